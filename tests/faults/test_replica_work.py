"""The replica run's own measures: work summed over a process's lives, events the broker
holds twice, and which of those a kill of their relay explains."""

from __future__ import annotations

import time
import uuid

import asyncpg
import orjson
from aiokafka import AIOKafkaProducer

from shared.db import asyncpg_dsn
from tests.faults.repeats import FaultAt
from tests.faults.replicas import REPUBLISH_WINDOW, Work, explain, published_twice
from tests.stack import Stack


def test_work_is_summed_over_a_process_lives() -> None:
    work = Work()
    work.saw(10, 4)
    work.saw(25, 9)
    work.saw(3, 1)  # killed and started again: its counters begin at zero
    work.saw(5, 2)
    assert (work.applied, work.published) == (30, 11)


async def test_the_broker_read_back_finds_each_event_held_twice(stack: Stack) -> None:
    topic = f"replicas-{uuid.uuid4().hex[:8]}.events"
    once, twice = str(uuid.uuid4()), str(uuid.uuid4())
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap_servers)
    await producer.start()
    try:
        for event_id in (once, twice, twice):
            await producer.send_and_wait(topic, orjson.dumps({"id": event_id}), key=b"m")
    finally:
        await producer.stop()
    assert await published_twice(stack.bootstrap_servers, (topic,)) == {topic: [twice]}


async def test_only_a_republish_soon_after_a_kill_of_its_relay_is_explained(
    stack: Stack,
) -> None:
    kill = time.time() - 3 * REPUBLISH_WINDOW
    published = {
        "after the kill": kill + 5,
        "before the kill": kill - 5,
        "long after": kill + 2 * REPUBLISH_WINDOW,
    }
    ids = {why: str(uuid.uuid4()) for why in published}
    twice = {"loyalty.events": sorted(ids.values())}
    connection = await asyncpg.connect(asyncpg_dsn(stack.admin_url))
    try:
        for why, at in published.items():
            await connection.execute(
                "INSERT INTO loyalty.outbox (event_id, event_type, topic, key, envelope,"
                " published_at) VALUES ($1, 'test.replica', 'loyalty.events', 'm', '{}',"
                " to_timestamp($2))",
                ids[why],
                at,
            )
        by_loyalty_2 = [FaultAt(kill, "kill:loyalty-2")]
        unexplained = await explain(stack.admin_url, twice, by_loyalty_2)
        assert sorted(line.split()[1] for line in unexplained) == sorted(
            [ids["before the kill"], ids["long after"]]
        )
        # a kill of another service's process explains nothing here
        by_messaging = [FaultAt(kill, "kill:messaging")]
        assert len(await explain(stack.admin_url, twice, by_messaging)) == 3
    finally:
        # no relay may ever replay these stand-ins to the session's broker
        await connection.execute(
            "DELETE FROM loyalty.outbox WHERE event_id = ANY($1::text[])", list(ids.values())
        )
        await connection.close()
