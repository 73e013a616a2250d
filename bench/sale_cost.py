"""``python -m bench.sale_cost``: what one ``POST /purchases`` costs orders, as the bench sends it.

Starts an embedded PostgreSQL and broker and one orders process (uvicorn, as ``huiyuan
up`` runs it) on loopback, loads the demo catalog and ``--members`` members (through
orders' own directory use case, as their registration events would), then posts
``--sales`` sales the way ``bench/load.py`` does (a card number, one to three demo lines,
a fresh ``Idempotency-Key``), ``--concurrency`` at a time, after 200 to warm up. Prints
orders' CPU per sale (the process's user + system time, its outbox relay included) and
PostgreSQL's, the wall time, and a digest of the answers without their ids and times (two
runs of different code compare: the same digest is the same answers). The pid it prints
is for a sampling profiler to attach to (``py-spy record --pid``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import time
import uuid
from typing import Any

import httpx
import orjson

from bench import alone
from bench.cpu import tree_seconds
from bench.http import HttpClient
from bench.load import sale_lines
from huiyuan.demo import CATEGORIES, catalog_csv
from services.orders.config import Settings
from services.orders.directory import repository as directory
from services.orders.stores import service as stores
from shared.crypto import PiiCipher
from shared.db import create_engine, create_sessions, transaction
from shared.jwks import development_signer
from shared.tokens import issue_token

WARM_UP = 200


async def seed(database_url: str, members: int) -> tuple[list[str], str]:
    """``members`` members in orders' directory and one store: their card numbers and the
    store's API key."""
    settings = Settings(database_url=database_url)
    cipher = PiiCipher(settings.pii_key.get_secret_value())
    engine = create_engine(settings)
    cards = [f"8869{n:09d}" for n in range(members)]
    try:
        async with transaction(create_sessions(engine)) as session:
            for n, card in enumerate(cards):
                phone = cipher.phone_hash(f"+86138{n:08d}")
                await directory.add_member(session, uuid.uuid4(), card, phone)
            _, _, api_key = await stores.create_store(session, "Bench store")
    finally:
        await engine.dispose()
    return cards, api_key


def load_catalog(url: str) -> None:
    """The demo's categories and products, through orders' admin API at ``url`` (once per
    database: a second load is refused)."""
    token = issue_token(development_signer(), subject="bench-admin", role="admin")
    admin = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=admin, timeout=30) as http:
        for code, name in CATEGORIES.items():
            http.post("/catalog/categories", json={"code": code, "name": name}).raise_for_status()
        http.post(
            "/catalog/products:import",
            content=catalog_csv(),
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()


def _digest(answers: list[bytes]) -> str:
    kept = []
    for raw in answers:
        answer: dict[str, Any] = orjson.loads(raw)
        for name in ("id", "member_id", "store_id", "purchased_at"):
            del answer[name]
        kept.append(orjson.dumps(answer, option=orjson.OPT_SORT_KEYS))
    return hashlib.sha256(b"\n".join(sorted(kept))).hexdigest()[:12]


async def _drive(
    url: str, api_key: str, cards: list[str], sales: int, concurrency: int, pids: tuple[int, int]
) -> None:
    rng = random.Random(19)
    client = HttpClient(
        url,
        headers={"X-API-Key": api_key, "Content-Type": "application/json"},
        connections=concurrency,
    )
    answers: list[bytes] = []

    async def post(count: int, keep: bool) -> None:
        for _ in range(count):
            body = {"card_number": rng.choice(cards), "lines": sale_lines(rng)}
            status, content = await client.request(
                "POST",
                "/purchases",
                orjson.dumps(body),
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            if status != 201:
                raise RuntimeError(f"sale answered {status}: {content[:300]!r}")
            if keep:
                answers.append(content)

    async def run(count: int, keep: bool) -> None:
        share, extra = divmod(count, concurrency)
        await asyncio.gather(*(post(share + (n < extra), keep) for n in range(concurrency)))

    orders, postgres = pids
    await run(WARM_UP, keep=False)  # the pool, the statement caches, the imports
    before = (tree_seconds(orders) or 0.0, tree_seconds(postgres) or 0.0, time.perf_counter())
    await run(sales, keep=True)
    after = (tree_seconds(orders) or 0.0, tree_seconds(postgres) or 0.0, time.perf_counter())
    await client.aclose()
    per_sale = [(b - a) / sales * 1000 for a, b in zip(before, after, strict=True)]
    print(
        f"{sales} sales, {concurrency} in flight: orders {per_sale[0]:.2f} ms CPU per sale, "
        f"postgres {per_sale[1]:.2f} ms, wall {per_sale[2]:.2f} ms per sale "
        f"({sales / (after[2] - before[2]):.0f} sales/s); answers {_digest(answers)}",
        flush=True,
    )


async def _main(members: int, sales: int, concurrency: int) -> None:
    async with alone.migrated("orders") as scratch:
        cards, api_key = await seed(scratch.database_url, members)
        with alone.served("orders", scratch) as orders:
            load_catalog(orders.url)
            assert scratch.postgres.pid is not None
            pids = (orders.pid, scratch.postgres.pid)
            await _drive(orders.url, api_key, cards, sales, concurrency, pids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--sales", type=int, default=2_000, help="sales measured")
    parser.add_argument("--concurrency", type=int, default=8, help="sales in flight")
    options = parser.parse_args()
    asyncio.run(_main(options.members, options.sales, options.concurrency))


if __name__ == "__main__":
    main()
