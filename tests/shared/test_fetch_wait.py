"""A consumer whose fetches wait longer gathers the events of that wait into one batch (one
transaction), and still applies a lone event within about that wait."""

from __future__ import annotations

import asyncio
import time
import uuid

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from shared.db import AsyncSession, transaction
from shared.events import CloudEvent
from shared.kafka import GroupTimings
from tests.shared.scratch import Scratch
from tests.shared.test_inbox import consuming
from tests.stack import Stack, eventually


class Transactions:
    """A handler recording the transaction each event was applied in."""

    def __init__(self, scratch: Scratch) -> None:
        self.table = f'"{scratch.schema}".applied_in'

    async def create(self, scratch: Scratch) -> None:
        async with transaction(scratch.sessions) as session:
            await session.execute(text(f"CREATE TABLE {self.table} (n int, xid bigint)"))

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(
            text(f"INSERT INTO {self.table} VALUES (:n, txid_current())"), {"n": event.data["n"]}
        )

    async def rows(self, scratch: Scratch) -> dict[int, int]:
        async with scratch.sessions() as session:
            result = await session.execute(text(f"SELECT n, xid FROM {self.table}"))
            return {int(n): int(xid) for n, xid in result.all()}


async def test_events_within_one_fetch_wait_are_one_batch_and_a_lone_one_still_applies(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    handler = Transactions(scratch)
    await handler.create(scratch)

    async def send(n: int) -> None:
        event = CloudEvent(
            source="/test", type=scratch.event_type(), subject="member-1", data={"n": n}
        )
        await producer.send_and_wait(scratch.topic, event.to_json(), key=b"member-1")

    async def applied(count: int) -> dict[int, int] | None:
        rows = await handler.rows(scratch)
        return rows if len(rows) == count else None

    waiting = GroupTimings(fetch_max_wait_ms=400, fetch_min_bytes=1024 * 1024)
    async with consuming(stack, scratch, handler, f"g-{uuid.uuid4().hex}", timings=waiting):
        await send(0)
        await eventually(lambda: applied(1), timeout=20)  # joined and caught up
        await asyncio.sleep(0.5)
        started = time.monotonic()
        await send(100)
        await eventually(lambda: applied(2), timeout=5, interval=0.02)
        lone = time.monotonic() - started
        for n in range(1, 6):
            await send(n)
            await asyncio.sleep(0.04)
        rows = await eventually(lambda: applied(7), timeout=5)

    assert lone < 2.0  # about one fetch wait (0.4 s) on a loaded machine
    # five events sent over 0.2 s fall in one fetch wait, or two where a wait ends among them
    assert len({rows[n] for n in range(1, 6)}) <= 2
