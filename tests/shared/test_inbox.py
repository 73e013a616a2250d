from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, text

from shared.consumer import EventConsumer
from shared.db import AsyncSession, transaction
from shared.events import CloudEvent
from shared.inbox import AwaitingEvent, BatchEnd, BoundHandler, apply_events
from shared.kafka import GroupTimings, ensure_topics
from tests.shared.scratch import Scratch
from tests.stack import Stack, eventually


class Applied:
    """A handler that writes one row per applied event and counts its calls."""

    def __init__(self, scratch: Scratch, poison: set[int] | None = None) -> None:
        self.table = f'"{scratch.schema}".applied'
        self.calls = 0
        self.poison = poison or set()

    async def create(self, scratch: Scratch) -> None:
        async with transaction(scratch.sessions) as session:
            await session.execute(text(f"CREATE TABLE {self.table} (event_id text, n int)"))

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        self.calls += 1
        if event.data["n"] in self.poison:
            raise RuntimeError(f"cannot handle n={event.data['n']}")
        await session.execute(
            text(f"INSERT INTO {self.table} VALUES (:id, :n)"),
            {"id": event.id, "n": event.data["n"]},
        )

    async def rows(self, scratch: Scratch) -> list[int]:
        async with scratch.sessions() as session:
            result = await session.execute(text(f"SELECT n FROM {self.table} ORDER BY n"))
            return [row[0] for row in result]


@contextlib.asynccontextmanager
async def consuming(
    stack: Stack,
    scratch: Scratch,
    handler: BoundHandler,
    group: str,
    await_event_seconds: float = 900.0,
    defer_after_seconds: float = 10.0,
    timings: GroupTimings = GroupTimings(),
) -> AsyncIterator[EventConsumer]:
    consumer = EventConsumer(
        service="test",
        sessions=scratch.sessions,
        inbox=scratch.inbox,
        handlers={scratch.event_type(): handler},
        topics=[scratch.topic],
        bootstrap_servers=stack.bootstrap_servers,
        group_id=group,
        max_attempts=2,
        retry_backoff_seconds=0.01,
        await_event_seconds=await_event_seconds,
        defer_after_seconds=defer_after_seconds,
        timings=timings,
    )
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _send(producer: AIOKafkaProducer, scratch: Scratch, *events: CloudEvent | bytes) -> None:
    for event in events:
        raw = event if isinstance(event, bytes) else event.to_json()
        await producer.send_and_wait(scratch.topic, raw, key=b"member-1")


def _event(scratch: Scratch, n: int, event_type: str | None = None) -> CloudEvent:
    return CloudEvent(
        source="/test", type=event_type or scratch.event_type(), subject="member-1", data={"n": n}
    )


async def _dead_letters(scratch: Scratch) -> list[Any]:
    async with scratch.sessions() as session:
        result = await session.execute(select(scratch.inbox.dead_letters))
        return list(result.all())


async def test_a_redelivered_event_is_applied_once(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    applied = Applied(scratch)
    await applied.create(scratch)
    first = _event(scratch, 1)
    await _send(producer, scratch, first, first, _event(scratch, 2), first)
    async with consuming(stack, scratch, applied, group=f"g-{uuid.uuid4().hex}"):
        await eventually(lambda: _count_is(applied, scratch, 2), timeout=20)
        await asyncio.sleep(0.3)
    assert await applied.rows(scratch) == [1, 2]


async def _count_is(applied: Applied, scratch: Scratch, expected: int) -> bool:
    return len(await applied.rows(scratch)) == expected


async def test_offsets_are_committed_after_the_database(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    applied = Applied(scratch)
    await applied.create(scratch)
    group = f"g-{uuid.uuid4().hex}"
    await _send(producer, scratch, _event(scratch, 1), _event(scratch, 2))
    async with consuming(stack, scratch, applied, group):
        await eventually(lambda: _count_is(applied, scratch, 2), timeout=20)
    restarted = Applied(scratch)
    await _send(producer, scratch, _event(scratch, 3))
    async with consuming(stack, scratch, restarted, group):
        await eventually(lambda: _count_is(applied, scratch, 3), timeout=20)
    assert restarted.calls == 1  # only the new event reached the handler


async def test_unknown_types_are_ignored_and_poison_is_parked_without_blocking(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    applied = Applied(scratch, poison={2})
    await applied.create(scratch)
    await _send(
        producer,
        scratch,
        _event(scratch, 1),
        _event(scratch, 5, event_type=scratch.event_type("other.thing")),
        _event(scratch, 2),
        b"{not json",
        _event(scratch, 3),
    )
    async with consuming(stack, scratch, applied, group=f"g-{uuid.uuid4().hex}"):
        await eventually(lambda: _count_is(applied, scratch, 2), timeout=20)
    assert await applied.rows(scratch) == [1, 3]
    parked = await _dead_letters(scratch)
    assert len(parked) == 2
    errors = sorted(row.error for row in parked)
    assert "cannot handle n=2" in errors[0]
    assert "undecodable" in errors[1]
    async with scratch.sessions() as session:
        inbox_rows = await session.scalar(select(func.count()).select_from(scratch.inbox.table))
    assert inbox_rows == 3  # 1, 3 and the parked 2; never the unknown type


async def test_a_failing_partition_is_held_back_while_other_topics_flow(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    """An event that needs another topic's event first (a points message before the
    member's contact) succeeds on a later try instead of being parked."""
    contacts_topic = f"{scratch.topic_prefix}contacts.events"
    await ensure_topics(stack.bootstrap_servers, [contacts_topic], partitions=1)
    contact_type = f"{scratch.topic_prefix}contacts.contact.added"
    table = f'"{scratch.schema}".contacts'
    async with transaction(scratch.sessions) as session:
        await session.execute(text(f"CREATE TABLE {table} (member text)"))

    async def add_contact(session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(text(f"INSERT INTO {table} VALUES (:m)"), {"m": event.subject})

    applied = Applied(scratch)
    await applied.create(scratch)

    async def needs_contact(session: AsyncSession, event: CloudEvent) -> None:
        known = await session.scalar(
            text(f"SELECT count(*) FROM {table} WHERE member = :m"), {"m": event.subject}
        )
        if not known:
            raise LookupError(f"no contact for {event.subject} yet")
        await applied(session, event)

    consumer = EventConsumer(
        service="test",
        sessions=scratch.sessions,
        inbox=scratch.inbox,
        handlers={scratch.event_type(): needs_contact, contact_type: add_contact},
        topics=[scratch.topic, contacts_topic],
        bootstrap_servers=stack.bootstrap_servers,
        group_id=f"g-{uuid.uuid4().hex}",
        max_attempts=8,
        retry_backoff_seconds=0.1,
    )
    task = asyncio.create_task(consumer.run())
    try:
        await _send(producer, scratch, _event(scratch, 1))
        await asyncio.sleep(3)  # the points-like event fails and is held back meanwhile
        contact = CloudEvent(source="/test", type=contact_type, subject="member-1", data={})
        await producer.send_and_wait(contacts_topic, contact.to_json(), key=b"member-1")
        await eventually(lambda: _count_is(applied, scratch, 1), timeout=20)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert await _dead_letters(scratch) == []


class WaitsForGate(Applied):
    """A handler that needs another event first: it raises AwaitingEvent until opened."""

    def __init__(self, scratch: Scratch) -> None:
        super().__init__(scratch)
        self.open = False

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        if not self.open:
            self.calls += 1
            raise AwaitingEvent(f"n={event.data['n']} waits for the gate")
        await super().__call__(session, event)


async def test_waiting_for_another_event_outlasts_the_attempt_budget(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    """Waiting is not failing: with max_attempts=2, an event whose handler waits for
    another is tried many more times and applied once the wait is over, never parked."""
    waiting = WaitsForGate(scratch)
    await waiting.create(scratch)
    await _send(producer, scratch, _event(scratch, 1), _event(scratch, 2))
    async with consuming(stack, scratch, waiting, group=f"g-{uuid.uuid4().hex}"):
        await eventually(lambda: _called_at_least(waiting, 4), timeout=20)
        assert await _dead_letters(scratch) == []
        waiting.open = True
        await eventually(lambda: _count_is(waiting, scratch, 2), timeout=20)
    assert await _rows_without_dead_letters(waiting, scratch) == [1, 2]


async def test_an_event_still_waiting_after_the_window_is_parked(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    waiting = WaitsForGate(scratch)
    await waiting.create(scratch)
    await _send(producer, scratch, _event(scratch, 1))
    group = f"g-{uuid.uuid4().hex}"
    async with consuming(stack, scratch, waiting, group, await_event_seconds=1.0):
        await eventually(lambda: _has_dead_letters(scratch), timeout=20)
    parked = await _dead_letters(scratch)
    assert len(parked) == 1
    assert "waits for the gate" in parked[0].error
    assert await waiting.rows(scratch) == []


async def _called_at_least(handler: Applied, calls: int) -> bool:
    return handler.calls >= calls


async def _has_dead_letters(scratch: Scratch) -> bool:
    return bool(await _dead_letters(scratch))


async def _rows_without_dead_letters(handler: Applied, scratch: Scratch) -> list[int]:
    assert await _dead_letters(scratch) == []
    return await handler.rows(scratch)


async def test_a_batch_end_runs_once_after_the_last_handler_and_not_after_a_failure(
    scratch: Scratch,
) -> None:
    """A batch start may return an end (``shared.inbox.BatchEnd``): it runs after every
    handler, in the batch's transaction; a handler's error skips it and rolls back all."""
    applied = Applied(scratch, poison={4})
    await applied.create(scratch)
    ended: list[int] = []

    async def start(session: AsyncSession, events: Sequence[CloudEvent]) -> BatchEnd:
        async def end() -> None:
            ended.append(applied.calls)
            await session.execute(text(f"INSERT INTO {applied.table} VALUES ('end', 99)"))

        return end

    handlers = {scratch.event_type(): applied}
    async with transaction(scratch.sessions) as session:
        batch = [_event(scratch, 1), _event(scratch, 2)]
        await apply_events(session, scratch.inbox, handlers, "test", batch, start)
    assert ended == [2]  # once, after both handlers
    poisoned = [_event(scratch, 3), _event(scratch, 4)]

    async def apply_poisoned() -> None:
        async with transaction(scratch.sessions) as session:
            await apply_events(session, scratch.inbox, handlers, "test", poisoned, start)

    with pytest.raises(RuntimeError):
        await apply_poisoned()
    assert ended == [2]
    assert await applied.rows(scratch) == [1, 2, 99]
