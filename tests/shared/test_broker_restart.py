"""The embedded broker forgets everything when it restarts; nothing may be lost for it.

Each test runs its own broker, so restarting it leaves the session's broker alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from typing import Any

import pytest
from aiokafka.errors import KafkaError
from prometheus_client import REGISTRY
from sqlalchemy import text

from huiyuan.embedded.broker import EmbeddedBroker
from shared.db import AsyncSession, transaction
from shared.events import CloudEvent
from shared.inbox import AwaitingEvent
from shared.kafka import GroupTimings, Publisher, Record, create_producer, ensure_topics
from tests.shared.own_broker import restart
from tests.shared.scratch import Scratch
from tests.shared.test_inbox import Applied, consuming
from tests.shared.test_outbox import read_topic, relay_running
from tests.stack import Stack, eventually, staff_headers

ADMIN = staff_headers("admin")


def _event(scratch: Scratch, n: int) -> CloudEvent:
    # members spread over the partitions, so the broker loses more than one of them
    return CloudEvent(source="/test", type=scratch.event_type(), subject=f"m{n}", data={"n": n})


async def test_a_send_to_a_dead_broker_fails_in_time_and_the_next_one_recovers(
    broker: EmbeddedBroker,
) -> None:
    publisher = Publisher(broker.bootstrap_servers, send_timeout=2.0)
    await publisher.start()
    try:
        await ensure_topics(broker.bootstrap_servers, ["hang.events"], 1)
        await publisher.send([Record("hang.events", b"k", b"1")])
        broker.stop()
        started = time.monotonic()
        with pytest.raises((TimeoutError, KafkaError)):
            await publisher.send([Record("hang.events", b"k", b"2")])
        assert time.monotonic() - started < 10  # it gave up instead of hanging
        broker.start()
        await ensure_topics(broker.bootstrap_servers, ["hang.events"], 1)
        placed = await eventually(lambda: _try_send(publisher), timeout=20, interval=0.2)
        assert placed[0].topic == "hang.events"
    finally:
        await publisher.stop()


async def _try_send(publisher: Publisher) -> Any:
    with contextlib.suppress(Exception):
        return await publisher.send([Record("hang.events", b"k", b"3")])
    return None


async def test_the_relay_republishes_what_a_restarted_broker_forgot(
    scratch: Scratch, broker: EmbeddedBroker
) -> None:
    bootstrap = broker.bootstrap_servers
    await ensure_topics(bootstrap, [scratch.topic], 3)
    resets_before = REGISTRY.get_sample_value(
        "huiyuan_broker_resets_total", {"service": scratch.schema}
    )
    publisher = Publisher(bootstrap, send_timeout=3.0)
    await publisher.start()
    try:
        async with relay_running(scratch, publisher, bootstrap, idle_poll=0.1) as relay:
            async with transaction(scratch.sessions) as session:
                await scratch.outbox.add(session, *(_event(scratch, n) for n in range(5)))
            assert len(await read_topic(bootstrap, scratch.topic, expected=5)) == 5

            restart(broker)  # the relay finds out by itself, within its check interval
            # as a consumer's metadata request makes Tansu do: the topic comes back
            # before the relay recreates it, and with fewer partitions
            await ensure_topics(bootstrap, [scratch.topic], 1)

            async def republished() -> list[dict[str, object]] | None:
                seen = await read_topic(bootstrap, scratch.topic, expected=5)
                return seen if len(seen) == 5 else None

            again = await eventually(republished, timeout=30, interval=0.5)
            assert sorted(e["data"]["n"] for e in again) == list(range(5))
            assert not await relay.check_broker()  # nothing is missing any more

            async with transaction(scratch.sessions) as session:
                await scratch.outbox.add(session, _event(scratch, 5))
            everything = await read_topic(bootstrap, scratch.topic, expected=6)
    finally:
        await publisher.stop()
    numbers = [e["data"]["n"] for e in everything]  # type: ignore[index]
    assert sorted(numbers) == list(range(6))  # each exactly once on the new broker
    resets = REGISTRY.get_sample_value("huiyuan_broker_resets_total", {"service": scratch.schema})
    assert (resets or 0) - (resets_before or 0) >= 1


async def test_a_commit_that_outlives_the_broker_does_not_move_the_group_past_the_republish(
    scratch: Scratch, stack: Stack, broker: EmbeddedBroker
) -> None:
    """A batch applied across a restart must not commit its offset to the new broker.

    The heartbeat learns first that the broker forgot the member and drops the membership;
    until the rejoin completes (Tansu makes it wait 3 s) aiokafka would send the batch's
    commit without one, which a broker that knows no such group accepts. The rejoined
    consumer then started at the old offset and skipped what was republished below it.
    """
    bootstrap = broker.bootstrap_servers
    await ensure_topics(bootstrap, [scratch.topic], 1)
    applied = Applied(scratch)
    await applied.create(scratch)
    reached, release = asyncio.Event(), asyncio.Event()

    async def slow_on_the_last(session: AsyncSession, event: CloudEvent) -> None:
        if event.data["n"] == 9:
            reached.set()
            await release.wait()
        await applied(session, event)

    own = dataclasses.replace(stack, bootstrap_servers=bootstrap)
    group = f"g{uuid.uuid4().hex[:8]}"
    async with consuming(own, scratch, slow_on_the_last, group=group) as consumer:
        await _send_to_partition_0(bootstrap, scratch, _numbered(scratch, range(10)))
        await asyncio.wait_for(reached.wait(), 20)
        held = consumer.membership()
        restart(broker)

        async def dropped() -> bool:
            return consumer.membership() != held

        # the heartbeat has dropped the membership (a fixed sleep was not always enough on
        # a loaded machine); the rejoin then waits
        await eventually(dropped, timeout=20)
        release.set()
        await ensure_topics(bootstrap, [scratch.topic], 1)
        # what a relay republishes: more events than the consumer had read
        await _send_to_partition_0(bootstrap, scratch, _numbered(scratch, range(100, 115)))

        async def the_last_one() -> list[int] | None:
            rows = await applied.rows(scratch)
            return rows if 114 in rows else None

        await eventually(the_last_one, timeout=30, interval=0.5)
        await asyncio.sleep(1)  # the consumer reads a partition in order: nothing is to come
        rows = await applied.rows(scratch)
    assert rows == [*range(10), *range(100, 115)]  # each once, none skipped


async def test_a_commit_right_after_a_restart_the_heartbeat_missed_is_refused(
    scratch: Scratch, stack: Stack, broker: EmbeddedBroker
) -> None:
    """The same, with the batch ending as soon as the new broker is up, before the
    periodic heartbeat (every 3 s here) could drop the membership: the commit, sent with
    the old membership, is refused by the broker that forgot it, and the rejoined group
    starts from the earliest offset."""
    bootstrap = broker.bootstrap_servers
    await ensure_topics(bootstrap, [scratch.topic], 1)
    applied = Applied(scratch)
    await applied.create(scratch)
    reached, release = asyncio.Event(), asyncio.Event()

    async def slow_on_the_last(session: AsyncSession, event: CloudEvent) -> None:
        if event.data["n"] == 9:
            reached.set()
            await release.wait()
        await applied(session, event)

    own = dataclasses.replace(stack, bootstrap_servers=bootstrap)
    group = f"g{uuid.uuid4().hex[:8]}"
    slow_heartbeat = GroupTimings(session_timeout_ms=10_000, heartbeat_interval_ms=3000)
    async with consuming(own, scratch, slow_on_the_last, group=group, timings=slow_heartbeat):
        await _send_to_partition_0(bootstrap, scratch, _numbered(scratch, range(10)))
        await asyncio.wait_for(reached.wait(), 20)
        restart(broker)
        release.set()
        await ensure_topics(bootstrap, [scratch.topic], 1)
        await _send_to_partition_0(bootstrap, scratch, _numbered(scratch, range(100, 115)))

        async def the_last_one() -> list[int] | None:
            rows = await applied.rows(scratch)
            return rows if 114 in rows else None

        await eventually(the_last_one, timeout=30, interval=0.5)
        await asyncio.sleep(1)
        rows = await applied.rows(scratch)
    assert rows == [*range(10), *range(100, 115)]  # none of 100..109 skipped


async def test_a_batch_held_back_across_the_rejoin_is_not_sought_back_on_the_new_broker(
    scratch: Scratch, stack: Stack, broker: EmbeddedBroker
) -> None:
    """A batch that fails after the rejoin seeks nothing: its offset is of the forgotten log.

    Seeking back to it (to retry, as a return waiting for its purchase does) would put the
    new assignment at that offset, and the consumer would skip the republish below it.
    """
    bootstrap = broker.bootstrap_servers
    await ensure_topics(bootstrap, [scratch.topic], 1)
    applied = Applied(scratch)
    await applied.create(scratch)
    reached, release = asyncio.Event(), asyncio.Event()
    waits = [True, True]  # the batch, then its partition alone: held back

    async def waits_on_the_last(session: AsyncSession, event: CloudEvent) -> None:
        if event.data["n"] == 9 and waits:
            reached.set()
            await release.wait()
            waits.pop()
            raise AwaitingEvent("n=9 waits for something")
        await applied(session, event)

    own = dataclasses.replace(stack, bootstrap_servers=bootstrap)
    async with consuming(own, scratch, waits_on_the_last, group=f"g{uuid.uuid4().hex[:8]}"):
        events = _numbered(scratch, range(10))
        await _send_to_partition_0(bootstrap, scratch, events[:5])
        await eventually(lambda: _applied_up_to(applied, scratch, 4), timeout=20)
        await _send_to_partition_0(bootstrap, scratch, events[5:])  # a batch at offset 5
        await asyncio.wait_for(reached.wait(), 20)
        restart(broker)
        await ensure_topics(bootstrap, [scratch.topic], 1)
        await asyncio.sleep(6)  # the consumer has rejoined the new broker's group
        release.set()
        # sent after the restart, before the relay noticed; then its republish of everything
        await _send_to_partition_0(bootstrap, scratch, _numbered(scratch, range(100, 105)))
        await _send_to_partition_0(bootstrap, scratch, events)
        # A consumer that has not yet noticed the amnesia may read the republish first; its
        # commit is refused, and the rejoin reads the log again from the start. A skipped
        # event never arrives, and this wait times out.
        await eventually(lambda: _applied_all(applied, scratch, [9, 104]), timeout=45, interval=0.5)
        await asyncio.sleep(1)
        rows = await applied.rows(scratch)
    assert rows == [*range(10), *range(100, 105)]  # each once, none skipped


async def test_a_partition_waiting_for_an_event_republished_below_it_reads_it_again(
    scratch: Scratch, stack: Stack, broker: EmbeddedBroker
) -> None:
    """A return waits for its purchase; after broker amnesia the relay republishes the
    purchase below the consumer's old position. The consumer, which commits nothing while
    it only waits, still learns that the broker forgot its group (its heartbeat is refused)
    and reads the new log from its start, where the purchase is.
    """
    bootstrap = broker.bootstrap_servers
    await ensure_topics(bootstrap, [scratch.topic], 1)
    applied = Applied(scratch)
    await applied.create(scratch)

    async def the_return_needs_100(session: AsyncSession, event: CloudEvent) -> None:
        if event.data["n"] == 9:
            known = await session.scalar(
                text(f"SELECT count(*) FROM {applied.table} WHERE n = 100")
            )
            if not known:
                raise AwaitingEvent("n=9 waits for n=100")
        await applied(session, event)

    own = dataclasses.replace(stack, bootstrap_servers=bootstrap)
    group = f"g{uuid.uuid4().hex[:8]}"
    async with consuming(own, scratch, the_return_needs_100, group):
        events = _numbered(scratch, range(10))
        await _send_to_partition_0(bootstrap, scratch, events[:9])
        await eventually(lambda: _applied_up_to(applied, scratch, 8), timeout=20)
        await _send_to_partition_0(bootstrap, scratch, events[9:])  # held at offset 9
        await asyncio.sleep(1)
        restart(broker)
        await ensure_topics(bootstrap, [scratch.topic], 1)
        # the republish: the awaited event first, at offset 0; the return at offset 10
        awaited = _numbered(scratch, range(100, 101))
        await _send_to_partition_0(bootstrap, scratch, awaited + events)
        await eventually(lambda: _applied_all(applied, scratch, [9, 100]), timeout=45, interval=0.5)
        await asyncio.sleep(1)
        rows = await applied.rows(scratch)
    assert rows == [*range(10), 100]  # each once


async def _applied_up_to(applied: Applied, scratch: Scratch, n: int) -> bool:
    return n in await applied.rows(scratch)


async def _applied_all(applied: Applied, scratch: Scratch, numbers: list[int]) -> bool:
    rows = await applied.rows(scratch)
    return all(n in rows for n in numbers)


def _numbered(scratch: Scratch, numbers: range) -> list[CloudEvent]:
    return [
        CloudEvent(source="/test", type=scratch.event_type(), subject="m", data={"n": n})
        for n in numbers
    ]


async def _send_to_partition_0(bootstrap: str, scratch: Scratch, events: list[CloudEvent]) -> None:
    producer = create_producer(bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(scratch.topic, event.to_json(), key=b"m", partition=0)
    finally:
        await producer.stop()
