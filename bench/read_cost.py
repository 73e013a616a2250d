"""``python -m bench.read_cost``: what one balance read (``GET /members/{id}/loyalty``, the
read ``make bench READS=`` sends) costs loyalty.

Starts an embedded PostgreSQL and broker and one loyalty process (uvicorn, as ``huiyuan up``
runs it; see ``bench.validate_cost``), gives 500 members a few purchases each through
loyalty's consumer path (so each has lots, a tier standing and a ledger), then reads random
members' balances: ``--reads`` one at a time, then as many again from 16 concurrent
clients. Prints the median and 99th percentile latency, reads/s and loyalty's CPU per read
(the process's user + system time) for each.

With ``--ingest RATE``, purchases of those members go to loyalty's broker at RATE a second
while the reads run, so loyalty's consumer applies them on the event loop that serves the
reads (its CPU then counts in the CPU per read); it prints how many were sent and how many
loyalty had applied when the reads ended.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import psutil

from bench import alone
from services.loyalty.config import Settings
from shared.db import Sessions, asyncpg_dsn, create_engine, create_sessions
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted, PurchaseLine
from shared.jwks import development_signer
from shared.kafka import create_producer
from shared.testing.records import consumer_record
from shared.tokens import issue_token

MEMBERS = 500
CONCURRENCY = 16


def _purchase(member_id: uuid.UUID, total_fen: int, days_ago: int) -> CloudEvent:
    line = PurchaseLine(
        line_no=1,
        sku="HP-FISHOIL-60",
        category="health",
        quantity=1,
        unit_price_fen=total_fen,
        amount_fen=total_fen,
    )
    payload = PurchaseCompleted(
        purchase_id=uuid.uuid4(),
        member_id=member_id,
        store_id=uuid.uuid4(),
        lines=(line,),
        total_fen=total_fen,
        purchased_at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


async def seed(sessions: Sessions) -> list[uuid.UUID]:
    """``MEMBERS`` members given three purchases each through loyalty's consumer path (lots,
    a tier standing and a ledger each): their ids."""
    consumer = alone.consumer("loyalty", sessions)
    rng = random.Random(19)
    members = [uuid.uuid4() for _ in range(MEMBERS)]
    for _ in range(3):
        sales = [_purchase(m, rng.randint(1_000, 90_000), rng.randint(0, 30)) for m in members]
        for start in range(0, len(sales), 200):
            chunk = sales[start : start + 200]
            await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(chunk)])
    return members


async def _pass(
    client: httpx.AsyncClient, members: list[uuid.UUID], reads: int, clients: int, pid: int
) -> None:
    rng = random.Random(7)
    order = [rng.choice(members) for _ in range(reads)]
    latencies: list[float] = []
    process = psutil.Process(pid)

    async def reader(share: list[uuid.UUID]) -> None:
        for member in share:
            started = time.perf_counter()
            response = await client.get(f"/members/{member}/loyalty")
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()

    before, wall = process.cpu_times(), time.perf_counter()
    await asyncio.gather(*(reader(order[n::clients]) for n in range(clients)))
    after, wall = process.cpu_times(), time.perf_counter() - wall
    cpu = after.user + after.system - before.user - before.system
    median, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    print(
        f"{clients:>2} client(s), {reads} reads: median {median * 1000:.2f} ms, p99"
        f" {p99 * 1000:.2f} ms, {reads / wall:.0f} reads/s, loyalty CPU"
        f" {cpu / reads * 1000:.3f} ms per read",
        flush=True,
    )


async def _ingest(bootstrap: str, members: list[uuid.UUID], rate: int, done: asyncio.Event) -> int:
    """Sends purchases of ``members`` at ``rate`` a second until ``done``; how many."""
    producer = create_producer(bootstrap)
    await producer.start()
    rng, sent = random.Random(5), 0
    loop = asyncio.get_running_loop()
    origin = loop.time()
    try:
        while not done.is_set():
            while sent < (loop.time() - origin) * rate:
                member = rng.choice(members)
                event = _purchase(member, rng.randint(1_000, 90_000), 0)
                await producer.send(event.topic, event.to_json(), key=str(member).encode())
                sent += 1
            await asyncio.sleep(0.005)
    finally:
        await producer.stop()
    return sent


async def _applied(database_url: str) -> int:
    """Purchases loyalty has applied (its qualifying purchases)."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        count: int = await connection.fetchval("SELECT count(*) FROM loyalty.qualifying_purchases")
    finally:
        await connection.close()
    return count


@contextlib.asynccontextmanager
async def _ingesting(
    loyalty: alone.Served, database_url: str, members: list[uuid.UUID], rate: int
) -> AsyncIterator[None]:
    """Purchases go to loyalty at ``rate`` a second while the block runs (none at 0)."""
    if not rate:
        yield
        return
    done, before = asyncio.Event(), await _applied(database_url)
    sending = asyncio.create_task(_ingest(loyalty.bootstrap, members, rate, done))
    started = time.perf_counter()
    try:
        yield
        applied = await _applied(database_url) - before
    finally:
        done.set()
        sent, seconds = await sending, time.perf_counter() - started
    print(
        f"ingest: {sent} purchases sent in {seconds:.0f} s ({sent / seconds:.0f}/s), "
        f"{applied} applied by loyalty when the reads ended ({applied / seconds:.0f}/s)",
        flush=True,
    )


async def _drive(
    loyalty: alone.Served, database_url: str, members: list[uuid.UUID], reads: int, ingest: int
) -> None:
    token = issue_token(development_signer(), subject="bench-service", role="service")
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=loyalty.url, headers=headers, timeout=10, limits=limits
    ) as c:
        await _pass(c, members, 200, 1, loyalty.pid)  # warm the pool, the caches and the imports
        async with _ingesting(loyalty, database_url, members, ingest):
            await _pass(c, members, reads, 1, loyalty.pid)
            await _pass(c, members, reads, CONCURRENCY, loyalty.pid)


async def _main(reads: int, ingest: int) -> None:
    async with alone.migrated("loyalty") as scratch:
        engine = create_engine(Settings(database_url=scratch.database_url))
        try:
            members = await seed(create_sessions(engine))
        finally:
            await engine.dispose()
        with alone.served("loyalty", scratch) as loyalty:
            await _drive(loyalty, scratch.database_url, members, reads, ingest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=2_000, help="reads per pass")
    parser.add_argument(
        "--ingest", type=int, default=0, help="purchases a second sent to loyalty meanwhile"
    )
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.reads, arguments.ingest))


if __name__ == "__main__":
    main()
