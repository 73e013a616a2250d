"""An event waiting for one that sits behind it on its partition is deferred, not held.

After broker amnesia a relay can publish a new row (a return) before it notices the loss
and republishes the retained ones (its purchase), so the awaited event lands behind the
waiting one. Holding the partition at the waiting event would wait forever.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from shared.consumer import EventConsumer
from shared.db import AsyncSession, transaction
from shared.dead_letters import ReplayRefused, list_dead_letters, replay_dead_letter, retry_deferred
from shared.events import CloudEvent
from shared.inbox import AwaitingEvent, Handlers
from shared.testing.records import consumer_record
from tests.shared.scratch import Scratch
from tests.shared.test_inbox import Applied, consuming
from tests.stack import Stack, eventually


class NeedsEarlier(Applied):
    """n=1 (a return) applies only once n=100 (its purchase) has; n=7 never finds its own."""

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        n = event.data["n"]
        if n in (1, 7):
            awaited = 100 if n == 1 else 700
            known = await session.scalar(
                text(f"SELECT count(*) FROM {self.table} WHERE n = :n"), {"n": awaited}
            )
            if not known:
                self.calls += 1
                raise AwaitingEvent(f"n={n} waits for n={awaited}")
        await super().__call__(session, event)


def _events(scratch: Scratch, *numbers: int) -> list[CloudEvent]:
    return [
        CloudEvent(source="/test", type=scratch.event_type(), subject="member-1", data={"n": n})
        for n in numbers
    ]


async def _send(producer: AIOKafkaProducer, scratch: Scratch, events: list[CloudEvent]) -> None:
    for event in events:  # one key: one partition, in this order
        await producer.send_and_wait(scratch.topic, event.to_json(), key=b"member-1")


async def _stored(scratch: Scratch) -> list[object]:
    async with scratch.sessions() as session:
        table = scratch.inbox.dead_letters
        return list((await session.execute(select(table).order_by(table.c.id))).all())


async def _rows_are(handler: Applied, scratch: Scratch, expected: list[int]) -> bool:
    return await handler.rows(scratch) == expected


def _parked_count(service: str) -> float:
    return REGISTRY.get_sample_value("huiyuan_events_parked_total", {"service": service}) or 0.0


async def test_an_event_waiting_for_one_behind_it_is_deferred_and_both_apply_once(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    handler = NeedsEarlier(scratch)
    await handler.create(scratch)
    events = _events(scratch, 0, 1, 2, 3, 4, 5, 100, 6)  # the return at 1, its purchase at 6
    await _send(producer, scratch, events)
    group = f"g-{uuid.uuid4().hex}"
    async with consuming(stack, scratch, handler, group, defer_after_seconds=1.0) as consumer:
        await eventually(
            lambda: _rows_are(handler, scratch, [0, 1, 2, 3, 4, 5, 6, 100]), timeout=15
        )
        # a redelivery of the deferred event (the inbox holds its claim) changes nothing
        await consumer.apply([consumer_record(events[1], topic=scratch.topic)])
        await asyncio.sleep(1.5)  # another round of deferred retries
    assert await handler.rows(scratch) == [0, 1, 2, 3, 4, 5, 6, 100]
    [deferred] = await _stored(scratch)
    assert deferred.event_id == events[1].id  # type: ignore[attr-defined]
    assert deferred.awaiting_until is not None  # type: ignore[attr-defined]
    assert deferred.replayed_at is not None  # type: ignore[attr-defined]
    async with scratch.sessions() as session:
        assert await list_dead_letters(session, scratch.inbox) == []  # never a dead letter


async def test_replicas_retrying_deferred_events_apply_each_once(scratch: Scratch) -> None:
    service = f"test-{uuid.uuid4().hex[:8]}"
    handler = NeedsEarlier(scratch)
    await handler.create(scratch)
    handlers: Handlers = {scratch.event_type(): handler}
    waiting = _events(scratch, *([1] * 20))
    async with transaction(scratch.sessions) as session:
        for offset, event in enumerate(waiting):
            await scratch.inbox.claim(session, [event])
            record = consumer_record(event, topic=scratch.topic, offset=offset)
            await scratch.inbox.park(session, record, event, "waits", 0, awaiting_seconds=60)
    assert await retry_deferred(scratch.sessions, scratch.inbox, handlers, service, 2) == 0
    assert await handler.rows(scratch) == []

    async with transaction(scratch.sessions) as session:
        await session.execute(text(f"INSERT INTO {handler.table} VALUES ('purchase', 100)"))
    applied = await asyncio.gather(
        *(retry_deferred(scratch.sessions, scratch.inbox, handlers, service, 2) for _ in range(3))
    )
    assert sum(applied) == 20
    assert await handler.rows(scratch) == [1] * 20 + [100]
    assert all(row.replayed_at is not None for row in await _stored(scratch))  # type: ignore[attr-defined]
    assert await retry_deferred(scratch.sessions, scratch.inbox, handlers, service, 2) == 0
    assert await handler.rows(scratch) == [1] * 20 + [100]


async def test_a_deferred_event_still_waiting_after_the_window_becomes_a_dead_letter(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    handler = NeedsEarlier(scratch)
    await handler.create(scratch)
    events = _events(scratch, 7, 8, 9)  # n=7 waits for n=700, which never comes
    await _send(producer, scratch, events)
    service = f"test-{uuid.uuid4().hex[:8]}"
    handlers: Handlers = {scratch.event_type(): handler}
    consumer = EventConsumer(
        service=service,
        sessions=scratch.sessions,
        inbox=scratch.inbox,
        handlers=handlers,
        topics=[scratch.topic],
        bootstrap_servers=stack.bootstrap_servers,
        group_id=f"g-{uuid.uuid4().hex}",
        retry_backoff_seconds=0.01,
        defer_after_seconds=0.5,
        await_event_seconds=4.0,
    )
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: _rows_are(handler, scratch, [8, 9]), timeout=15)
        [deferred] = await _stored(scratch)
        assert deferred.awaiting_until is not None  # type: ignore[attr-defined]
        async with scratch.sessions() as session:
            assert await list_dead_letters(session, scratch.inbox) == []
        with pytest.raises(ReplayRefused, match="deferred"):
            await replay_dead_letter(
                scratch.sessions,
                scratch.inbox,
                handlers,
                service,
                deferred.id,  # type: ignore[attr-defined]
            )
        await eventually(lambda: _listed(scratch, 1), timeout=15)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert _parked_count(service) == 1
    async with scratch.sessions() as session:
        [dead] = await list_dead_letters(session, scratch.inbox)
    assert dead.event_id == events[0].id
    assert "n=7 waits for n=700" in dead.error

    # the operator's replay works as for any dead letter, once its event is there
    async with transaction(scratch.sessions) as session:
        await session.execute(text(f"INSERT INTO {handler.table} VALUES ('purchase', 700)"))
    replayed = await replay_dead_letter(scratch.sessions, scratch.inbox, handlers, service, dead.id)
    assert replayed.replayed_at is not None
    assert await handler.rows(scratch) == [7, 8, 9, 700]


async def _listed(scratch: Scratch, count: int) -> bool:
    async with scratch.sessions() as session:
        return len(await list_dead_letters(session, scratch.inbox)) == count
