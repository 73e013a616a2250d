"""``python -m bench.validate_cost``: what one ``POST /coupons/validate`` costs loyalty.

Starts an embedded PostgreSQL and broker and one loyalty process (uvicorn, as ``huiyuan
up`` runs it) on loopback, seeds three members holding 1, 10 and 50 coupons of six
definitions (each kind; some apply to the basket, the others are refused for each reason
the pricing gives) and 2,000 catalog products, then sends ``--sales`` validations of one
three-line basket per member, one at a time. Prints per member the median and p95 latency,
loyalty's CPU seconds per 1,000 validations (the process's user + system time) and
PostgreSQL's, and a digest of the answers (coupon ids and codes left out, so two runs of
different code compare: the same digest is the same answer). ``--profile FILE`` runs
loyalty under cProfile and writes its statistics there (read them with ``pstats``); the pid
it prints is for a sampling profiler to attach to instead (``py-spy record --pid``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil
from sqlalchemy import insert

from bench import alone
from bench.cpu import tree_seconds
from services.loyalty.accounts.repository import accounts
from services.loyalty.base import product_categories
from services.loyalty.config import Settings
from services.loyalty.coupons import repository as coupons
from services.loyalty.coupons import service
from services.loyalty.coupons.schemas import DefinitionIn
from shared.db import Sessions, create_engine, create_sessions, transaction
from shared.jwks import development_signer
from shared.tokens import issue_token

HOLDINGS = (1, 10, 50)
STORE = uuid.UUID("6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f")
BASKET_LINES = [
    {"line_no": 1, "sku": "HP-FISHOIL-60", "category": "health-fishoil", "amount_fen": 25_800},
    {"line_no": 2, "sku": "HP-VITC-100", "category": "health", "amount_fen": 5_001},
    {"line_no": 3, "sku": "SK-CREAM-50", "category": "skincare", "amount_fen": 12_345},
]
DEFINITIONS: list[dict[str, Any]] = [
    {
        "name": "满200减30",
        "terms": {"kind": "threshold_off", "threshold_fen": 20_000, "off_fen": 3_000},
        "scope": {"categories": ["health"]},
    },
    {
        "name": "九折",
        "terms": {"kind": "percent_off", "percent": 10, "cap_fen": 2_000},
        "stackable": True,
    },
    {
        "name": "他店代金券",
        "terms": {"kind": "cash_voucher", "value_fen": 500},
        "scope": {"stores": [str(uuid.UUID(int=1))]},
    },
    {"name": "赠品", "terms": {"kind": "free_gift", "sku": "GIFT-TOTE", "unit_value_fen": 3_900}},
    {
        "name": "护肤满500减80",
        "terms": {"kind": "threshold_off", "threshold_fen": 50_000, "off_fen": 8_000},
        "scope": {"categories": ["skincare"]},
    },
    {
        "name": "下月代金券",
        "terms": {"kind": "cash_voucher", "value_fen": 1_000},
        "valid_from": "2035-01-01T00:00:00+08:00",  # fixed: the refusal's detail names it
        "valid_until": "2035-02-01T00:00:00+08:00",
    },
]
PRODUCTS = 2_000


async def _seed(sessions: Sessions) -> dict[int, uuid.UUID]:
    """The members by how many coupons they hold, and the catalog's products."""
    table = product_categories.table
    rows = [
        ("HP-FISHOIL-60", "health-fishoil", ["health"]),
        ("HP-VITC-100", "health", []),
        ("SK-CREAM-50", "skincare", ["beauty"]),
        *((f"SKU-{n}", f"cat-{n % 200}", ["top", f"mid-{n % 20}"]) for n in range(PRODUCTS)),
    ]
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        await session.execute(
            insert(table),
            [
                {
                    "product_id": uuid.uuid4(),
                    "sku": sku,
                    "category": category,
                    "category_ancestors": ancestors,
                    "status": "active",
                    "revision": 1,
                    "changed_at": now,
                }
                for sku, category, ancestors in rows
            ],
        )
        definitions = []
        for terms in DEFINITIONS:
            body = {"valid_days": 30, **terms, "per_member_limit": max(HOLDINGS)}
            if "valid_from" in body:
                del body["valid_days"]
            added = await service.create_definition(
                session, DefinitionIn.model_validate(body), by="bench"
            )
            definition = await coupons.definition(session, added.id)
            assert definition is not None
            definitions.append(definition)
        members: dict[int, uuid.UUID] = {}
        for held in HOLDINGS:
            member = uuid.uuid4()
            await accounts.open_account(session, member)
            for n in range(held):
                # granted a second apart, so the latest-first order is the same every run
                when = now - timedelta(seconds=held - n)
                definition = definitions[n % len(definitions)]
                await service.issue(session, definition, member, f"g{n}", when)
            members[held] = member
    return members


def _digest(answers: list[bytes]) -> str:
    """The distinct answers without coupon ids and codes (new every run), hashed."""
    kept = set()
    for raw in answers:
        answer = orjson.loads(raw)
        stacked = answer["stacked"]["coupons"] if answer.get("stacked") else []
        for item in [*answer["applicable"], *answer["not_applicable"], *stacked]:
            del item["coupon_id"], item["code"]
        kept.add(orjson.dumps(answer))
    return hashlib.sha256(b"\n".join(sorted(kept))).hexdigest()[:12]


async def _drive(
    url: str, members: dict[int, uuid.UUID], sales: int, loyalty: int, postgres: int
) -> None:
    token = issue_token(development_signer(), subject="bench-service", role="service")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    process = psutil.Process(loyalty)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
        for held, member in members.items():
            body = orjson.dumps(
                {"member_id": str(member), "store_id": str(STORE), "lines": BASKET_LINES}
            )
            for _ in range(100):  # warm the pool, the statement caches and the imports
                (await client.post("/coupons/validate", content=body)).raise_for_status()
            cpu_before, pg_before = process.cpu_times(), tree_seconds(postgres) or 0.0
            latencies, answers = [], []
            for _ in range(sales):
                started = time.perf_counter()
                response = await client.post("/coupons/validate", content=body)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                answers.append(response.content)
            cpu_after, pg_after = process.cpu_times(), tree_seconds(postgres) or 0.0
            cpu = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
            latencies.sort()
            answer = orjson.loads(answers[0])
            print(
                f"{held:>2} coupons ({len(answer['applicable'])} apply): "
                f"median {statistics.median(latencies) * 1000:.2f} ms, "
                f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.2f} ms; "
                f"CPU s per 1,000: loyalty {cpu / sales * 1000:.2f}, "
                f"postgres {(pg_after - pg_before) / sales * 1000:.2f}; "
                f"answers {_digest(answers)}",
                flush=True,
            )


async def _main(sales: int, profile: Path | None) -> None:
    async with alone.migrated("loyalty") as scratch:
        engine = create_engine(Settings(database_url=scratch.database_url))
        try:
            members = await _seed(create_sessions(engine))
        finally:
            await engine.dispose()
        with alone.served("loyalty", scratch, profile) as loyalty:
            assert scratch.postgres.pid is not None
            await _drive(loyalty.url, members, sales, loyalty.pid, scratch.postgres.pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1_000, help="validations per member")
    parser.add_argument("--profile", type=Path, help="run loyalty under cProfile, stats here")
    options = parser.parse_args()
    profile = options.profile.resolve() if options.profile else None
    asyncio.run(_main(options.sales, profile))


if __name__ == "__main__":
    main()
