"""Helpers for the fixtures and for tests that need more than one service."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from alembic import command
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from huiyuan.provision import alembic_config, provision_service, service_database_url, upgrade
from shared.db import asyncpg_dsn
from shared.events import CloudEvent
from shared.inbox import Handlers
from shared.jwks import development_signer
from shared.service_app import ServiceSpec, build_app
from shared.settings import BaseServiceSettings
from shared.tokens import Role, issue_token

NOWHERE = 9
"""The discard port on the loopback address, where nothing listens: a connection is refused."""


_OWN_GROUPS: set[str] = set()
"""The consumer groups :meth:`Stack.app` made for its apps, which no other app joins."""


@dataclass(frozen=True)
class Stack:
    admin_url: str
    bootstrap_servers: str
    database_urls: dict[str, str]

    def settings(self, service: str, **overrides: Any) -> BaseServiceSettings:
        """The service's own ``Settings`` pointed at the test stack."""
        module = importlib.import_module(f"services.{service}.config")
        settings_class: type[BaseServiceSettings] = module.Settings
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": self.database_urls[service],
            "kafka_bootstrap_servers": self.bootstrap_servers,
            "log_json": False,
            "consumer_retry_backoff_seconds": 0.05,
            # a consumer group of its own (see :meth:`app`)
            "consumer_group_id": f"{service}-{uuid.uuid4().hex[:12]}",
            # tests post a sale every 50 ms until a registration reaches orders, each try a
            # miss; the tests of the limit (tests/orders/stores) set their own
            "member_misses_per_store": "100000/hour",
            # Argon2id at its smallest costs: the suite hashes thousands of staff passwords
            # (the fuzz and the authz matrix on /staff and /staff/sessions); RFC 9106's
            # production costs are tested in tests/customer/staff/test_domain.py and by
            # `huiyuan staff add` (tests/cli/test_staff.py), whose hashes are made again
            # at these when the test app signs them in
            "staff_password_memory_kib": 8,
            "staff_password_passes": 1,
            "staff_password_lanes": 1,
        }
        if service == "messaging":
            # the defaults are where `make up`'s local providers listen: a test's messages
            # must not reach a stack someone runs beside the suite. Nothing listens on the
            # discard port; a test that sends passes its own SMTP server and SMS gateway.
            values |= {"smtp_port": NOWHERE, "sms_gateway_url": f"http://127.0.0.1:{NOWHERE}"}
        values.update(overrides)
        return settings_class(**values)

    def spec(self, service: str, **overrides: Any) -> ServiceSpec:
        """The service's composition root, its settings pointed at the test stack."""
        module = importlib.import_module(f"services.{service}.main")
        spec: ServiceSpec = module.spec(self.settings(service, **overrides))
        return spec

    def handlers(self, service: str, **overrides: Any) -> Handlers:
        """The service's ``HANDLERS`` bound to its context, as its consumer calls them."""
        return self.spec(service, **overrides).bound_handlers

    def app(self, service: str, **overrides: Any) -> FastAPI:
        """The service's app; unless ``overrides`` name a ``consumer_group_id``, its consumer
        group is its own, committed at the end of the topics it consumes: it reads what is
        published from now on, not the earlier tests' events (whose members it may never
        have heard of, holding its partitions back), and nothing it does moves another
        app's place in the log."""
        app = build_app(self.spec(service, **overrides))
        spec: ServiceSpec = app.state.spec
        if "consumer_group_id" not in overrides and spec.handlers:
            _OWN_GROUPS.add(spec.settings.consumer_group_id)
            skipping = skip_backlog(
                self.bootstrap_servers, spec.settings.consumer_group_id, spec.subscriptions
            )
            # made from sync and async code alike, so on a loop of its own
            with ThreadPoolExecutor(1) as thread:
                thread.submit(asyncio.run, skipping).result()
        return app

    @asynccontextmanager
    async def scratch_database(self, service: str, revision: str) -> AsyncIterator[str]:
        """A database of its own holding only ``service``'s schema, migrated to ``revision``
        (a previous release's head, to test an upgrade); yields the URL the service's role
        connects with, and drops the database after."""
        name = f"{service}_upgrade_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(asyncpg_dsn(self.admin_url))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            admin_url = make_url(self.admin_url).set(database=name).render_as_string(False)
            await provision_service(admin_url, service, password=None)
            url = service_database_url(admin_url, service, password=None)
            await migrate(service, url, revision)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


@dataclass(frozen=True)
class Scratch:
    """A scratch database of one service (see :meth:`Stack.scratch_database`)."""

    service: str
    url: str
    """The service role's URL, as the service connects."""

    async def sql(self, statement: str, *args: object) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            return list(await connection.fetch(statement, *args))
        finally:
            await connection.close()

    async def upgrade(self, revision: str = "head") -> None:
        await migrate(self.service, self.url, revision)

    async def downgrade(self, revision: str) -> None:
        await migrate(self.service, self.url, revision, down=True)


async def migrate(service: str, url: str, revision: str, *, down: bool = False) -> None:
    """Runs ``service``'s migrations up (or ``down``) to ``revision`` on ``url``."""
    if down:
        await asyncio.to_thread(command.downgrade, alembic_config(service, url), revision)
    else:
        await asyncio.to_thread(upgrade, service, url, revision)


def staff_headers(role: Role = "admin") -> dict[str, str]:
    token = issue_token(development_signer(), subject=f"test-{role}", role=role)
    return {"Authorization": f"Bearer {token}"}


def member_headers(member_id: uuid.UUID) -> dict[str, str]:
    token = issue_token(development_signer(), subject=f"member-{member_id}", member_id=member_id)
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Runs the app's lifespan (relay, consumers) and yields an HTTP client for it.

    A consumer still joining a group of its own (:meth:`Stack.app`) when the app stops
    gives the join up rather than wait for the broker's answer (up to 3 s, most of a short
    module's time): no one joins that group again (``shared.kafka.abandon_join``)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield c
        finally:
            consumer = app.state.runtime.consumer
            if consumer is not None and app.state.spec.settings.consumer_group_id in _OWN_GROUPS:
                await consumer.abandon_join()


async def eventually(check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Polls an async ``check`` until it returns a truthy value; fails after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def every_item(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    limit: int = 200,
    **query: str,
) -> list[dict[str, Any]]:
    """The ``items`` of every page of a cursor-paged list (``limit``/``cursor`` in,
    ``next_cursor`` out), ``limit`` a page, in the list's order; ``query`` is sent with
    every page (httpx replaces a query string in ``path`` with the page's parameters).

    Tests share their worker's database, so a list in creation order holds every earlier
    test's rows before this test's: its first page may not reach what this test made.
    """
    items: list[dict[str, Any]] = []
    params: dict[str, str | int] = {**query, "limit": limit}
    while True:
        answer = await client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        if answer.json()["next_cursor"] is None:
            return items
        params["cursor"] = answer.json()["next_cursor"]


def newest_first(items: Sequence[dict[str, Any]], at: str, id_field: str = "id") -> bool:
    """Whether ``items`` hold each ``id_field`` once, ordered by ``(at, id)`` highest first:
    the order of a list paged by a ``(time, id)`` key, latest first."""
    ids = [uuid.UUID(item[id_field]) for item in items]
    keys = [(datetime.fromisoformat(item[at]), i) for item, i in zip(items, ids, strict=True)]
    return len(set(ids)) == len(ids) and keys == sorted(keys, reverse=True)


async def _partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    await consumer.topics()  # loads the partition metadata
    return [
        TopicPartition(topic, partition)
        for topic in topics
        for partition in sorted(consumer.partitions_for_topic(topic) or ())
    ]


async def _log_ends(
    bootstrap_servers: str, partitions: Sequence[TopicPartition]
) -> dict[TopicPartition, int]:
    """The offset after each partition's last record, read from the log itself.

    Tansu reports a partition's end offset as its last record batch's base offset plus one;
    a group started there re-reads the rest of that batch, and a lag check against it calls
    a group caught up too early. So each end is found by reading from that base on.
    """
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await reader.start()
    try:
        reported = await reader.end_offsets(list(partitions))
        ends = dict(reported)
        pending = {tp for tp, end in reported.items() if end > 0}
        if not pending:
            return ends
        reader.assign(list(pending))
        for tp in pending:
            reader.seek(tp, reported[tp] - 1)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while pending and loop.time() < deadline:
            for tp, records in (await reader.getmany(*pending, timeout_ms=200)).items():
                if records:
                    ends[tp] = max(ends[tp], records[-1].offset + 1)
                    pending.discard(tp)
        return ends
    finally:
        await reader.stop()


async def forget_earlier_events(stack: Stack) -> None:
    """Deletes every service's outbox rows, published or not.

    Earlier tests apply events by hand and leave their consequences in the outboxes (points
    for members no other service knows, returns of purchases never published). The next
    relay to run would publish them, or republish them to a broker that lost its log, and a
    consumer waiting for their missing prerequisites would hold back its partition, with the
    running test's own events behind them. A test that starts a system of its own starts
    from empty outboxes.
    """
    engine = create_async_engine(stack.admin_url)
    try:
        async with engine.begin() as connection:
            for service in stack.database_urls:
                await connection.execute(text(f"DELETE FROM {service}.outbox"))
    finally:
        await engine.dispose()


async def skip_backlog(bootstrap_servers: str, group_id: str, topics: Sequence[str]) -> None:
    """Commits a new, memberless ``group_id``'s offsets at the end of ``topics``.

    Tests share one broker, and earlier tests leave events that name members a later
    stack never registered; a consumer that waits for those members' registrations would
    hold back its partition, and the later test's own events behind them. (The broker
    refuses this commit for a group that still has members.)
    """
    skipper = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group_id, enable_auto_commit=False
    )
    await skipper.start()
    try:
        partitions = await _partitions(skipper, topics)
        if partitions:
            skipper.assign(partitions)
            await skipper.commit(await _log_ends(bootstrap_servers, partitions))
    finally:
        await skipper.stop()


async def consumer_caught_up(bootstrap_servers: str, group_id: str, topics: Sequence[str]) -> bool:
    """Whether ``group_id`` has committed every event on ``topics``.

    Tests share one broker, so a test that measures global figures first waits until the
    running consumer has no backlog left from earlier tests.
    """
    # never subscribes, so it reads the group's offsets without joining the group
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group_id, enable_auto_commit=False
    )
    await reader.start()
    try:
        partitions = await _partitions(reader, topics)
        ends = await _log_ends(bootstrap_servers, partitions)
        for partition, end in ends.items():
            if end > 0 and (await reader.committed(partition) or 0) < end:
                return False
        return True
    finally:
        await reader.stop()


async def keyed_events(
    bootstrap_servers: str,
    topic: str,
    key: str,
    event_types: Sequence[str],
    wanted: int,
    timeout: float = 20,
) -> list[CloudEvent]:
    """The events of ``event_types`` on ``topic`` whose record key is ``key``, in log order,
    read from the start without a consumer group once ``wanted`` of them are on the broker
    (what is there when ``timeout`` seconds have passed)."""
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest", group_id=None
    )
    await reader.start()
    found: list[CloudEvent] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(found) < wanted and loop.time() < deadline:
            for records in (await reader.getmany(timeout_ms=200)).values():
                for record in records:
                    if record.key == key.encode() and record.value is not None:
                        event = CloudEvent.from_json(record.value)
                        found += [event] if event.type in event_types else []
    finally:
        await reader.stop()
    return found


async def records_on(bootstrap_servers: str, topics: Sequence[str]) -> dict[str, int]:
    """How far each topic's log reaches: its record count on a broker that started empty."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = await _partitions(reader, topics)
    finally:
        await reader.stop()
    counts = dict.fromkeys(topics, 0)
    for partition, end in (await _log_ends(bootstrap_servers, partitions)).items():
        counts[partition.topic] += end
    return counts


CATALOG_TABLES = ("product_prices", "products", "categories", "catalog_policy")
"""Orders' catalog tables, children first."""


async def empty_catalog(stack: Stack) -> None:
    """Deletes orders' catalog (the API only voids products).

    Tests share one database, and a catalog with a product makes orders check every sale's
    SKU strictly: a test, or the fuzzer, that fills the catalog empties it afterwards, so
    that later tests' sales of made-up SKUs are still accepted.
    """
    engine = create_async_engine(stack.admin_url)
    try:
        async with engine.begin() as connection:
            for table in CATALOG_TABLES:
                await connection.execute(text(f"DELETE FROM orders.{table}"))
    finally:
        await engine.dispose()


async def retire_custom_fields(stack: Stack) -> None:
    """Retires every custom field customer has: a required one (the fuzzer defines some)
    would refuse later tests' registrations that do not give it."""
    engine = create_async_engine(stack.admin_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE customer.custom_fields SET status = 'retired', retired_at = now() "
                    "WHERE status = 'active'"
                )
            )
    finally:
        await engine.dispose()
