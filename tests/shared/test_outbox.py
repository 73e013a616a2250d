from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select, text

from shared.db import asyncpg_dsn, transaction
from shared.events import CloudEvent
from shared.kafka import Publisher, ensure_topics
from shared.notify import Wakeups
from shared.outbox import OutboxRelay, wake_relay_ddl
from tests.shared.scratch import Scratch
from tests.stack import Stack, eventually


def _event(scratch: Scratch, subject: str, n: int) -> CloudEvent:
    return CloudEvent(source="/test", type=scratch.event_type(), subject=subject, data={"n": n})


def _relay(
    scratch: Scratch,
    publisher: Publisher,
    bootstrap_servers: str,
    wakeups: Wakeups,
    idle_poll: float = 30.0,
) -> OutboxRelay:
    return OutboxRelay(
        outbox=scratch.outbox,
        sessions=scratch.sessions,
        publisher=publisher,
        wakeups=wakeups,
        batch_size=50,
        retention=timedelta(hours=1),
        recreate_topics=lambda: ensure_topics(bootstrap_servers, [scratch.topic], 3),
        idle_poll_seconds=idle_poll,
    )


@contextlib.asynccontextmanager
async def relay_running(
    scratch: Scratch, publisher: Publisher, bootstrap_servers: str, idle_poll: float = 30.0
) -> AsyncIterator[OutboxRelay]:
    wakeups = Wakeups(asyncpg_dsn(scratch.database_url), scratch.outbox.channel)
    relay = _relay(scratch, publisher, bootstrap_servers, wakeups, idle_poll)
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await wakeups.close()


async def read_topic(bootstrap_servers: str, topic: str, expected: int) -> list[dict[str, object]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    seen: list[dict[str, object]] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while len(seen) < expected and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                seen.extend(orjson.loads(r.value) for r in records)
        # read a little longer: a duplicate would show up here
        batch = await consumer.getmany(timeout_ms=300)
        for records in batch.values():
            seen.extend(orjson.loads(r.value) for r in records)
    finally:
        await consumer.stop()
    return seen


async def test_only_committed_events_are_published_in_order(
    stack: Stack, scratch: Scratch, publisher: Publisher
) -> None:
    member = str(uuid.uuid4())
    async with transaction(scratch.sessions) as session:
        await scratch.outbox.add(session, *(_event(scratch, member, n) for n in range(3)))
    with contextlib.suppress(RuntimeError):
        async with transaction(scratch.sessions) as session:
            await scratch.outbox.add(session, _event(scratch, member, 99))
            raise RuntimeError("the business transaction fails")
    async with relay_running(scratch, publisher, stack.bootstrap_servers):
        published = await read_topic(stack.bootstrap_servers, scratch.topic, expected=3)
    assert [event["data"] for event in published] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert {event["subject"] for event in published} == {member}
    async with scratch.sessions() as session:
        assert await scratch.outbox.pending(session) == 0


async def test_relay_wakes_on_commit_not_on_a_poll(
    stack: Stack, scratch: Scratch, publisher: Publisher
) -> None:
    async with relay_running(scratch, publisher, stack.bootstrap_servers, idle_poll=30.0):
        await asyncio.sleep(0.3)  # let the relay go idle on its 30 s poll
        started = asyncio.get_running_loop().time()
        async with transaction(scratch.sessions) as session:
            await scratch.outbox.add(session, _event(scratch, "m", 1))

        async def published() -> bool:
            async with scratch.sessions() as session:
                return await scratch.outbox.pending(session) == 0

        await eventually(published, timeout=5)
        assert asyncio.get_running_loop().time() - started < 5


async def test_copied_events_commit_or_not_and_wake_the_relay(
    stack: Stack, scratch: Scratch, publisher: Publisher
) -> None:
    member = str(uuid.uuid4())
    with contextlib.suppress(RuntimeError):
        async with transaction(scratch.sessions) as session:
            await scratch.outbox.copy(session, [_event(scratch, member, 99)])
            raise RuntimeError("the business transaction fails")
    async with relay_running(scratch, publisher, stack.bootstrap_servers, idle_poll=30.0):
        await asyncio.sleep(0.3)  # idle on its 30 s poll: only the trigger can wake it now
        async with transaction(scratch.sessions) as session:
            await scratch.outbox.copy(session, [_event(scratch, member, n) for n in range(3)])
        published = await read_topic(stack.bootstrap_servers, scratch.topic, expected=3)
    assert [event["data"] for event in published] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert {event["subject"] for event in published} == {member}


async def test_a_round_forgets_the_notifications_its_claim_covers(
    stack: Stack, scratch: Scratch, publisher: Publisher
) -> None:
    """A commit notified before the round claims is published by that round: waking for
    it again would be a round that finds nothing (a BEGIN, a claim and a COMMIT for none).
    A commit after the claim still wakes the relay."""
    async with transaction(scratch.sessions) as session:
        for statement in wake_relay_ddl(scratch.schema):  # as the services' migrations do
            await session.execute(text(statement))
    wakeups = Wakeups(asyncpg_dsn(scratch.database_url), scratch.outbox.channel)
    relay = _relay(scratch, publisher, stack.bootstrap_servers, wakeups)
    try:
        await wakeups.wait(0)  # listening from here
        for n in range(2):
            async with transaction(scratch.sessions) as session:
                await scratch.outbox.add(session, _event(scratch, "m", n))
            if n == 0:
                assert await wakeups.wait(5)  # the relay woke for the first commit...
        await asyncio.sleep(0.2)  # ...and the second's notification came while it started
        assert await relay.publish_batch() == 2
        assert not await wakeups.wait(0.3)
        async with transaction(scratch.sessions) as session:
            await scratch.outbox.add(session, _event(scratch, "m", 2))
        assert await wakeups.wait(5)
        assert await relay.publish_batch() == 1
    finally:
        await wakeups.close()


async def test_two_relays_publish_each_row_once(
    stack: Stack, scratch: Scratch, publisher: Publisher
) -> None:
    async with transaction(scratch.sessions) as session:
        await scratch.outbox.add(session, *(_event(scratch, f"m{n % 5}", n) for n in range(200)))
    second = Publisher(stack.bootstrap_servers)
    await second.start()
    try:
        async with (
            relay_running(scratch, publisher, stack.bootstrap_servers, 0.05),
            relay_running(scratch, second, stack.bootstrap_servers, 0.05),
        ):
            published = await read_topic(stack.bootstrap_servers, scratch.topic, expected=200)
    finally:
        await second.stop()
    numbers = sorted(int(event["data"]["n"]) for event in published)  # type: ignore[index]
    assert numbers == list(range(200))


async def test_replay_republishes_within_retention(
    stack: Stack, scratch: Scratch, publisher: Publisher
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with transaction(scratch.sessions) as session:
        await scratch.outbox.add(session, _event(scratch, "m", 7))
    async with relay_running(scratch, publisher, stack.bootstrap_servers, 0.05):
        assert len(await read_topic(stack.bootstrap_servers, scratch.topic, expected=1)) == 1
        async with transaction(scratch.sessions) as session:
            assert await scratch.outbox.replay(session, since) == 1
        replayed = await read_topic(stack.bootstrap_servers, scratch.topic, expected=2)
    assert [event["data"] for event in replayed] == [{"n": 7}, {"n": 7}]
    assert replayed[0]["id"] == replayed[1]["id"]


async def test_purge_keeps_unpublished_rows(scratch: Scratch) -> None:
    async with transaction(scratch.sessions) as session:
        await scratch.outbox.add(session, _event(scratch, "m", 1))
        assert await scratch.outbox.purge(session, timedelta(0)) == 0
        count = await session.scalar(select(func.count()).select_from(scratch.outbox.table))
    assert count == 1


async def test_a_batch_of_events_is_one_insert_in_the_order_given(scratch: Scratch) -> None:
    """PostgreSQL itself counts the inserts (a statement-level trigger): an ``executemany``
    would fire it once per event."""
    schema = scratch.schema
    async with transaction(scratch.sessions) as session:
        for ddl in (
            f"CREATE TABLE {schema}.inserts (n integer NOT NULL)",
            f"CREATE FUNCTION {schema}.count_insert() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN INSERT INTO {schema}.inserts VALUES (1); RETURN NULL; END $$",
            f"CREATE TRIGGER count_insert AFTER INSERT ON {schema}.outbox "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.count_insert()",
        ):
            await session.execute(text(ddl))
    subjects = [str(uuid.uuid4()) for _ in range(40)]
    async with transaction(scratch.sessions) as session:
        await scratch.outbox.add(
            session, *(_event(scratch, subject, n) for n, subject in enumerate(subjects))
        )
    async with scratch.sessions() as session:
        inserts = await session.scalar(text(f"SELECT count(*) FROM {schema}.inserts"))
        rows = (
            await session.execute(
                select(scratch.outbox.table.c.key, scratch.outbox.table.c.envelope).order_by(
                    scratch.outbox.table.c.seq
                )
            )
        ).all()
    assert inserts == 1
    assert [row.key for row in rows] == subjects
    assert [row.envelope["data"] for row in rows] == [{"n": n} for n in range(40)]
