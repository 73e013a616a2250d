"""The previous release's data, upgraded as ``huiyuan up`` upgrades it, and served.

One scratch database of the session's PostgreSQL per module: the five roles and schemas
provisioned, migrated to the previous release's heads, its dump loaded, then
``migrate_all`` (what ``huiyuan up`` runs) and the five services on a broker of their own,
with a real SMTP server and SMS gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from huiyuan.embedded.broker import EmbeddedBroker
from huiyuan.embedded.local_providers import Inbox, MailCatcher, create_sms_gateway_app, read_inbox
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.postgres import BIN_DIR, EmbeddedPostgres
from huiyuan.provision import (
    SERVICES,
    migrate_all,
    provision_service,
    service_database_url,
    upgrade,
)
from tests.server import serving
from tests.stack import Stack, consumer_caught_up, eventually, records_on, running, staff_headers
from tests.upgrade import previous_release

SMS_KEY = "upgrade-sms-key"
ADMIN = staff_headers("admin")


def libpq_url(url: str, database: str | None = None) -> str:
    """A SQLAlchemy URL as libpq (psql, pg_dump, asyncpg) takes it."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def run_client(program: str, *args: str) -> str:
    """Runs one of the server's own client programs; its output, or its error as a failure."""
    done = subprocess.run(
        [str(BIN_DIR / program), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"{program} failed: {done.stderr}"
    return done.stdout


def schema_dump(admin_url: str) -> str:
    """The five schemas' DDL and rights, as ``README.md`` dumped the previous release's."""
    schemas = [f"--schema={service}" for service in SERVICES]
    return run_client("pg_dump", "--schema-only", "--no-owner", *schemas, libpq_url(admin_url))


async def _load_dump(admin_url: str) -> None:
    """The dump in place of what the migrations seeded (the standard tier, the earning
    rule): psql, in one transaction, as the superuser, so the tables keep their owners."""
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        tables = await connection.fetch(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname = ANY($1::text[]) AND tablename <> 'alembic_version'",
            list(SERVICES),
        )
    finally:
        await connection.close()
    await asyncio.to_thread(
        run_client, "psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1",
        "--single-transaction", "-c", f"TRUNCATE {', '.join(t for (t,) in tables)}",
        "-f", str(previous_release.DATA_SQL), libpq_url(admin_url),
    )  # fmt: skip


async def _published_before(admin_url: str) -> dict[str, int]:
    """Events per topic in the loaded outboxes (read in the previous release's layout)."""
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        counted: dict[str, int] = {}
        for service in SERVICES:
            rows = await connection.fetch(
                f"SELECT topic, count(*) FROM {service}.outbox GROUP BY topic"
            )
            for topic, count in rows:
                counted[topic] = counted.get(topic, 0) + count
        return counted
    finally:
        await connection.close()


async def _bring_times_to_now(admin_url: str) -> None:
    """Moves every timestamp of the five schemas forward by the time since the recording.

    The dump was taken once; keys and outbox rows it holds expire after hours or days.
    Moved together, they are as the previous release left them a moment before the
    upgrade. Runs in the previous release's layout, which never changes; triggers (the
    ledger's append-only guard) are off for it, as for a restore.
    """
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        columns = await connection.fetch(
            "SELECT format('%I.%I', table_schema, table_name), format('%I', column_name) "
            "FROM information_schema.columns "
            "WHERE table_schema = ANY($1::text[]) AND data_type = 'timestamp with time zone'",
            list(SERVICES),
        )
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            shift = await connection.fetchval(
                "SELECT now() - $1::timestamptz", previous_release.RECORDED_AT
            )
            for table, column in columns:
                await connection.execute(f"UPDATE {table} SET {column} = {column} + $1", shift)
    finally:
        await connection.close()


@dataclass
class Upgraded:
    """The upgraded system: clients of its five services, and what they said at start."""

    stack: Stack
    clients: dict[str, httpx.AsyncClient]
    providers_dir: Path
    schema_at_previous_heads: str = ""
    at_start: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]

    def inbox(self) -> Inbox:
        """What the SMTP server and the SMS gateway received since the upgrade."""
        return read_inbox(self.providers_dir)

    async def get(self, service: str, path: str) -> Any:
        response = await self.clients[service].get(path, headers=ADMIN)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    async def member_view(self, member_id: str) -> dict[str, Any]:
        """What each service says about a member."""
        return {
            "member": await self.get("customer", f"/members/{member_id}"),
            "loyalty": await self.get("loyalty", f"/members/{member_id}/loyalty"),
            "ledger": await self.get("loyalty", f"/members/{member_id}/ledger?limit=100"),
            "notifications": await self.get("messaging", f"/members/{member_id}/notifications"),
            "summary": await self.get("analytics", f"/members/{member_id}/summary"),
        }


async def _settled(
    stack: Stack, published: dict[str, int], groups: Mapping[str, Sequence[str]]
) -> bool:
    """The relays published the old events again to the new broker, and every consumer
    has applied everything on its topics."""
    held = await records_on(stack.bootstrap_servers, list(published))
    if any(held.get(topic, 0) < count for topic, count in published.items()):
        return False
    for group, topics in groups.items():
        if not await consumer_caught_up(stack.bootstrap_servers, group, topics):
            return False
    return True


async def _previous_release_in(admin: str) -> tuple[str, dict[str, int]]:
    """The previous release's schemas and data in the database of ``admin``.

    Returns the schemas' dump at the previous heads and the events per topic that their
    outboxes hold.
    """
    for service in SERVICES:
        await provision_service(admin, service, password=None)
        url = service_database_url(admin, service, password=None)
        await asyncio.to_thread(upgrade, service, url, previous_release.REVISION)
    schema = await asyncio.to_thread(schema_dump, admin)
    await _load_dump(admin)
    await _bring_times_to_now(admin)
    return schema, await _published_before(admin)


@contextlib.asynccontextmanager
async def _providers(store_dir: Path) -> AsyncIterator[dict[str, Any]]:
    """A real SMTP server and SMS gateway; yields messaging's settings for them."""
    mail = MailCatcher(store_dir, port=free_port())
    mail.start()
    try:
        async with serving(create_sms_gateway_app(store_dir, SMS_KEY)) as sms_url:
            yield {
                "smtp_host": "127.0.0.1",
                "smtp_port": mail.port,
                "sms_gateway_url": sms_url,
                "sms_api_key": SMS_KEY,
            }
    finally:
        mail.stop()


@contextlib.asynccontextmanager
async def _services(stack: Stack, store_dir: Path) -> AsyncIterator[Upgraded]:
    """The five services running on ``stack``; not yet settled."""
    async with _providers(store_dir) as messaging, contextlib.AsyncExitStack() as apps:
        clients: dict[str, httpx.AsyncClient] = {}
        customer_port = free_port()  # messaging and loyalty read members' contacts there
        readers = {"customer_url": f"http://127.0.0.1:{customer_port}"}
        for service in SERVICES:
            # each group named as `huiyuan up` names it (after the service)
            overrides = {
                "consumer_group_id": service,
                **(messaging if service == "messaging" else {}),
                **(readers if service in ("messaging", "loyalty") else {}),
            }
            app = stack.app(service, **overrides)
            if service == "customer":
                url = await apps.enter_async_context(serving(app, customer_port))
                clients[service] = await apps.enter_async_context(httpx.AsyncClient(base_url=url))
            else:
                clients[service] = await apps.enter_async_context(running(app))
        yield Upgraded(stack, clients, store_dir)


@pytest.fixture(scope="module")
async def upgraded(
    embedded_postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Upgraded]:
    database = f"upgrade_{uuid.uuid4().hex[:8]}"
    server = await asyncpg.connect(libpq_url(embedded_postgres.admin_url))
    await server.execute(f'CREATE DATABASE "{database}"')
    admin = (
        make_url(embedded_postgres.admin_url)
        .set(database=database)
        .render_as_string(hide_password=False)
    )
    tmp = tmp_path_factory.mktemp("upgrade")
    broker = EmbeddedBroker(free_port(), tmp / "broker.log")
    try:
        schema, published = await _previous_release_in(admin)
        database_urls = await asyncio.to_thread(migrate_all, admin)  # as `huiyuan up` does
        await asyncio.to_thread(broker.start)
        stack = Stack(admin, broker.bootstrap_servers, database_urls)
        async with _services(stack, tmp / "providers") as system:
            groups = {
                service: spec.subscriptions
                for service in SERVICES
                if (spec := stack.spec(service)).handlers
            }

            async def settled_and_still() -> bool:
                # a relay may still publish what a migration queued
                if not await _settled(stack, published, groups):
                    return False
                await asyncio.sleep(1)
                return await _settled(stack, published, groups)

            await eventually(settled_and_still, timeout=40, interval=0.2)
            system.schema_at_previous_heads = schema
            system.at_start = {
                "members": {
                    m.label: await system.member_view(m.id) for m in previous_release.MEMBERS
                },
                "kpis": await system.get("analytics", "/kpis"),
                "inbox": system.inbox(),
            }
            yield system
    finally:
        broker.stop()
        await server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await server.close()
