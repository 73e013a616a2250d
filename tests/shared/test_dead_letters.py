from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from shared.consumer import EventConsumer
from shared.db import AsyncSession, transaction
from shared.dead_letters import (
    DeadLetter,
    ReplayFailed,
    ReplayRefused,
    list_dead_letters,
    replay_dead_letter,
)
from shared.events import CloudEvent
from shared.inbox import Handlers
from shared.testing.records import consumer_record
from tests.shared.scratch import Scratch
from tests.stack import Stack, eventually


class Flaky:
    """A handler that writes one row per event, and fails while ``broken`` is set."""

    def __init__(self, scratch: Scratch) -> None:
        self.table = f'"{scratch.schema}".applied'
        self.broken = True

    async def create(self, scratch: Scratch) -> None:
        async with transaction(scratch.sessions) as session:
            await session.execute(text(f"CREATE TABLE {self.table} (event_id text, n int)"))

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        # written before failing, so a failed replay shows that it rolled back
        await session.execute(
            text(f"INSERT INTO {self.table} VALUES (:id, :n)"),
            {"id": event.id, "n": event.data["n"]},
        )
        if self.broken:
            raise LookupError(f"no such thing as n={event.data['n']}")

    async def rows(self, scratch: Scratch) -> list[int]:
        async with scratch.sessions() as session:
            result = await session.execute(text(f"SELECT n FROM {self.table} ORDER BY n"))
            return [row[0] for row in result]


def _parked_count(service: str) -> float:
    return REGISTRY.get_sample_value("huiyuan_events_parked_total", {"service": service}) or 0.0


async def _dead_letters(scratch: Scratch) -> list[DeadLetter]:
    async with scratch.sessions() as session:
        return await list_dead_letters(session, scratch.inbox)


async def _claimed(scratch: Scratch, event_id: str) -> bool:
    async with scratch.sessions() as session:
        found = await session.scalar(
            select(scratch.inbox.table.c.event_id).where(scratch.inbox.table.c.event_id == event_id)
        )
        return found is not None


async def _park(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer, handlers: Handlers, service: str
) -> list[CloudEvent]:
    """Sends events n=1..3 through a real consumer whose handler fails on them all."""
    consumer = EventConsumer(
        service=service,
        sessions=scratch.sessions,
        inbox=scratch.inbox,
        handlers=handlers,
        topics=[scratch.topic],
        bootstrap_servers=stack.bootstrap_servers,
        group_id=f"g-{uuid.uuid4().hex}",
        max_attempts=2,
        retry_backoff_seconds=0.01,
    )
    events = [
        CloudEvent(source="/test", type=scratch.event_type(), subject="member-1", data={"n": n})
        for n in (1, 2, 3)
    ]
    for event in events:
        await producer.send_and_wait(scratch.topic, event.to_json(), key=b"member-1")
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: _has(scratch, 3), timeout=30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return events


def _record(scratch: Scratch, event: CloudEvent) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(event, topic=scratch.topic)


async def _has(scratch: Scratch, count: int) -> bool:
    return len(await _dead_letters(scratch)) == count


async def test_a_failing_event_is_parked_and_applied_once_by_a_replay_after_the_fix(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    service = f"test-{uuid.uuid4().hex[:8]}"
    handler = Flaky(scratch)
    await handler.create(scratch)
    handlers: Handlers = {scratch.event_type(): handler}
    events = await _park(stack, scratch, producer, handlers, service)

    parked = await _dead_letters(scratch)
    assert [d.event_id for d in parked] == [e.id for e in events]
    first = parked[0]
    assert first.event_type == scratch.event_type()
    assert (first.topic, first.replayed_at) == (scratch.topic, None)
    assert first.attempts == 3  # max_attempts tries in the batch, then once alone
    assert first.error == "LookupError('no such thing as n=1')"
    assert _parked_count(service) == 3
    assert await handler.rows(scratch) == []  # every failed try rolled back

    handler.broken = False  # the bug is fixed
    replayed = await replay_dead_letter(
        scratch.sessions, scratch.inbox, handlers, service, first.id
    )
    assert replayed.id == first.id
    assert replayed.replayed_at is not None
    assert await handler.rows(scratch) == [1]
    assert await _claimed(scratch, events[0].id)

    with pytest.raises(ReplayRefused, match="already replayed"):
        await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, service, first.id)
    assert await handler.rows(scratch) == [1]

    # a redelivery of the replayed event is a duplicate like any other
    consumer = EventConsumer(
        service=service,
        sessions=scratch.sessions,
        inbox=scratch.inbox,
        handlers=handlers,
        topics=[],
        bootstrap_servers="unused:9092",
    )
    await consumer.apply([_record(scratch, events[0])])
    assert await handler.rows(scratch) == [1]

    await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, service, parked[2].id)
    assert await handler.rows(scratch) == [1, 3]
    states = {d.id: d.replayed_at is not None for d in await _dead_letters(scratch)}
    assert states == {parked[0].id: True, parked[1].id: False, parked[2].id: True}


async def test_a_replay_that_still_fails_keeps_the_event_parked(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    service = f"test-{uuid.uuid4().hex[:8]}"
    handler = Flaky(scratch)
    await handler.create(scratch)
    handlers: Handlers = {scratch.event_type(): handler}
    events = await _park(stack, scratch, producer, handlers, service)
    first = (await _dead_letters(scratch))[0]

    with pytest.raises(ReplayFailed, match="no such thing as n=1"):
        await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, service, first.id)

    [again, *_] = await _dead_letters(scratch)
    assert again.replayed_at is None
    assert again.attempts == first.attempts + 1
    assert await handler.rows(scratch) == []  # the handler's write rolled back
    assert await _claimed(scratch, events[0].id)  # still claimed: redelivery stays skipped

    handler.broken = False
    await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, service, first.id)
    assert await handler.rows(scratch) == [1]


async def test_unknown_undecodable_and_unhandled_dead_letters_are_refused(
    scratch: Scratch,
) -> None:
    handler = Flaky(scratch)
    await handler.create(scratch)
    table = scratch.inbox.dead_letters
    other = CloudEvent(source="/test", type=scratch.event_type("other"), subject="m", data={})
    where = {"topic": scratch.topic, "partition": 0, "offset": 7, "attempts": 6}
    async with transaction(scratch.sessions) as session:
        undecodable = await session.scalar(
            table.insert()
            .values(
                payload="{not json",
                error="undecodable event: 1 validation error\n  more detail",
                **where,
            )
            .returning(table.c.id)
        )
        unhandled = await session.scalar(
            table.insert()
            .values(payload=other.to_json().decode(), event_id=other.id, error="x", **where)
            .returning(table.c.id)
        )
    assert undecodable is not None
    assert unhandled is not None
    handlers: Handlers = {scratch.event_type(): handler}

    with pytest.raises(ReplayRefused, match="not a decodable event"):
        await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, "test", undecodable)
    with pytest.raises(ReplayRefused, match="no handler"):
        await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, "test", unhandled)
    with pytest.raises(ReplayRefused, match="no dead letter 999999"):
        await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, "test", 999_999)
    listed = await _dead_letters(scratch)
    assert all(d.replayed_at is None for d in listed)
    assert listed[0].error_summary == "undecodable event: 1 validation error"
