"""The services and the publisher across a restart of the embedded broker, which forgets
every topic it had: nothing is lost or doubled, and partitions that a topic lost or gained
are read right.

Each test runs its own broker, so restarting it leaves the session's broker alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huiyuan.embedded.broker import EmbeddedBroker
from shared.kafka import Publisher, Record, ensure_topics
from tests.shared.own_broker import restart
from tests.stack import Stack, eventually, forget_earlier_events, running, staff_headers

ADMIN = staff_headers("admin")


async def test_services_carry_on_across_a_broker_restart_without_losing_or_doubling(
    stack: Stack, broker: EmbeddedBroker
) -> None:
    """Purchases before and after a restart each earn points exactly once."""
    await forget_earlier_events(stack)
    own = dataclasses.replace(stack, bootstrap_servers=broker.bootstrap_servers)
    async with contextlib.AsyncExitStack() as apps:
        clients = {
            service: await apps.enter_async_context(running(own.app(service)))
            for service in ("customer", "orders", "loyalty")
        }
        store = await clients["orders"].post("/stores", json={"name": "restart"}, headers=ADMIN)
        key = store.json()["api_key"]
        member = await _register(clients["customer"])

        await _buy(clients["orders"], key, member["id"])
        await eventually(lambda: _earn_entries(stack, member["id"], 1), timeout=20)

        restart(broker)
        await _buy(clients["orders"], key, member["id"])
        # the registration and the first sale are republished too; neither counts twice
        await eventually(lambda: _earn_entries(stack, member["id"], 2), timeout=40)
        await asyncio.sleep(2)  # long enough for a doubled event to show up
        assert await _earn_entries(stack, member["id"], 2)
        balance = await clients["loyalty"].get(f"/members/{member['id']}/loyalty", headers=ADMIN)
    entries = await _entries(stack, member["id"])
    assert balance.json()["balance"] == sum(entries) > 0


async def _entries(stack: Stack, member_id: str) -> list[int]:
    engine = create_async_engine(stack.admin_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT e.points FROM loyalty.ledger_entries e "
                    "JOIN loyalty.account_holders h USING (account_id) "
                    "WHERE h.member_id = :m AND e.source_type = 'purchase'"
                ),
                {"m": member_id},
            )
            return [int(points) for (points,) in result.all()]
    finally:
        await engine.dispose()


async def _earn_entries(stack: Stack, member_id: str, expected: int) -> bool:
    return len(await _entries(stack, member_id)) == expected


async def _register(customer: httpx.AsyncClient) -> dict[str, Any]:
    body = {"name": "李雷", "phone": f"139{uuid.uuid4().int % 10**8:08d}", "locale": "zh-CN"}
    response = await customer.post("/members", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _buy(orders: httpx.AsyncClient, key: str, member_id: str) -> None:
    body = {
        "member_id": member_id,
        "lines": [{"sku": "S1", "category": "daily", "quantity": 1, "unit_price_fen": 10_000}],
    }
    headers = {"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex}

    async def accepted() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            response = await orders.post("/purchases", json=body, headers=headers)
            return response.status_code == 201
        return False

    await eventually(accepted, timeout=30, interval=0.2)


async def test_partitions_a_recreated_topic_lacks_count_as_emptied(broker: EmbeddedBroker) -> None:
    """After a restart a topic may come back with fewer partitions than the relay used.

    Tansu creates a topic a producer asks for with 4 partitions, services with 3: which
    one wins after a restart depends on who asks first.
    """
    bootstrap = broker.bootstrap_servers
    await ensure_topics(bootstrap, ["shrunk.events"], 4)
    sender = Publisher(bootstrap, send_timeout=3.0)
    await sender.start()
    placed = await sender.send([Record("shrunk.events", f"m{n}".encode(), b"x") for n in range(12)])
    await sender.stop()  # so that nothing asks for the topic, and recreates it, too early
    used = {(md.topic, md.partition) for md in placed}
    assert max(partition for _, partition in used) > 0
    restart(broker)
    await ensure_topics(bootstrap, ["shrunk.events"], 1)
    publisher = Publisher(bootstrap, send_timeout=3.0)
    await publisher.start()
    try:
        ends = await publisher.end_offsets(used)
    finally:
        await publisher.stop()
    assert ends == dict.fromkeys(used, 0)


async def test_partitions_created_after_the_publisher_started_are_seen(
    broker: EmbeddedBroker,
) -> None:
    """A topic a client asked for after a restart comes back with 4 partitions, more than the
    relay's metadata knew: a row placed on partition 3 must not look emptied for ever (the
    relay republished it every two seconds, and the test's sales waited behind)."""
    bootstrap = broker.bootstrap_servers
    publisher = Publisher(bootstrap, send_timeout=3.0)
    await publisher.start()  # before the topic exists: its metadata knows nothing of it
    try:
        await ensure_topics(bootstrap, ["grown.events"], 4)
        placed = await publisher.send(
            [Record("grown.events", f"m{n}".encode(), b"x") for n in range(24)]
        )
        used = {(md.topic, md.partition) for md in placed}
        assert ("grown.events", 3) in used
        ends = await publisher.end_offsets(used)
    finally:
        await publisher.stop()
    assert all(end > 0 for end in ends.values()), ends
