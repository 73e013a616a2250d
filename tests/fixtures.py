"""Pytest fixtures: one real PostgreSQL and one real broker for the whole test session.

Enabled by ``pytest_plugins = ["tests.fixtures"]`` in the root conftest.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from huiyuan.embedded.broker import EmbeddedBroker
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.provision import SERVICES, provision_service, service_database_url, upgrade
from shared.db import Sessions, asyncpg_dsn, create_engine, create_sessions
from tests.stack import Stack


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    """A directory of this test session's own for the database and the broker's log.

    Not under pytest's base temp: pytest keeps only the newest three session directories
    there, so a session started meanwhile (another checkout's tests, ``make fuzz``) would
    delete a running server's data directory.
    """
    path = Path(tempfile.mkdtemp(prefix="huiyuan-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def embedded_postgres(session_dir: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(session_dir / "pg" / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def embedded_broker(session_dir: Path) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(free_port(), session_dir / "broker" / "broker.log")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
async def stack(embedded_postgres: EmbeddedPostgres, embedded_broker: EmbeddedBroker) -> Stack:
    admin_url = embedded_postgres.admin_url
    urls: dict[str, str] = {}
    for service in SERVICES:
        await provision_service(admin_url, service, password=None)
        urls[service] = service_database_url(admin_url, service, password=None)
        await asyncio.to_thread(upgrade, service, urls[service])
    connection = await asyncpg.connect(asyncpg_dsn(urls["messaging"]))
    try:
        await connection.execute(NEUTRAL_MESSAGING_POLICY)
        await connection.execute(QUIET_JOURNEYS)
    finally:
        await connection.close()
    return Stack(admin_url, embedded_broker.bootstrap_servers, urls)


NEUTRAL_MESSAGING_POLICY = (
    "INSERT INTO messaging.messaging_policy (id, version, dedupe_hours, points_message, "
    "updated_at, updated_by) VALUES (1, 1, 0, 'each_sale', now(), 'tests') "
    "ON CONFLICT (id) DO UPDATE SET quiet_start = NULL, quiet_end = NULL, "
    "cap_messages = NULL, cap_days = NULL, dedupe_hours = 0, points_message = 'each_sale'"
)
"""The suite's messages go out at any hour of the day it runs and as often as its tests
send them: no quiet hours, caps or dedupe. The policy's own tests set theirs and put this
one back (``tests/messaging/policy``)."""


QUIET_JOURNEYS = (
    "INSERT INTO messaging.journey_settings (id, version, send_at, welcome_enabled, "
    "welcome_after_days, welcome_until_days, birthday_enabled, holiday_enabled, holidays, "
    "win_back_enabled, win_back_days, win_back_expires_days, updated_at, updated_by) "
    "VALUES (1, 1, '10:00', false, 7, 15, false, false, '{}', false, 90, 30, now(), 'tests') "
    "ON CONFLICT (id) DO UPDATE SET welcome_enabled = false, birthday_enabled = false, "
    "holiday_enabled = false, win_back_enabled = false"
)
"""The suite's journeys are off: a run another test leaves due (a birthday today, a sale
dated 90 days back) is skipped by whichever messaging app's worker finds it, and sends
nothing to that test's SMS gateway or mail catcher. The journeys' own tests turn them on
and put this back (``tests/messaging/journeys``)."""


async def _sessions(stack: Stack, service: str) -> AsyncIterator[Sessions]:
    engine = create_engine(stack.settings(service))
    yield create_sessions(engine)
    await engine.dispose()


@pytest.fixture
async def customer_sessions(stack: Stack) -> AsyncIterator[Sessions]:
    async for sessions in _sessions(stack, "customer"):
        yield sessions


@pytest.fixture
async def orders_sessions(stack: Stack) -> AsyncIterator[Sessions]:
    async for sessions in _sessions(stack, "orders"):
        yield sessions


@pytest.fixture
async def loyalty_sessions(stack: Stack) -> AsyncIterator[Sessions]:
    async for sessions in _sessions(stack, "loyalty"):
        yield sessions


@pytest.fixture
async def messaging_sessions(stack: Stack) -> AsyncIterator[Sessions]:
    async for sessions in _sessions(stack, "messaging"):
        yield sessions


@pytest.fixture
async def analytics_sessions(stack: Stack) -> AsyncIterator[Sessions]:
    async for sessions in _sessions(stack, "analytics"):
        yield sessions


_SERVICE_TASKS = ("-relay", "-consumer", "-keys", "-worker")


def _service_tasks() -> set[asyncio.Task[object]]:
    return {task for task in asyncio.all_tasks() if task.get_name().endswith(_SERVICE_TASKS)}


@pytest.fixture(scope="module", autouse=True)
async def leaves_no_service_running() -> AsyncIterator[None]:
    """Fails a module that leaves a service's relay, consumer or worker running.

    Tests share one event loop: such a task outlives its test, and an orphaned relay on the
    session's database would claim the next test's outbox rows and publish them to a broker
    that test is not listening to.
    """
    before = _service_tasks()
    yield
    left = {task for task in _service_tasks() - before if not task.done()}
    assert not left, f"still running after the module: {sorted(t.get_name() for t in left)}"
