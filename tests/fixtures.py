"""Pytest fixtures: one real PostgreSQL and one real broker for the whole test session.

Enabled by ``pytest_plugins = ["tests.fixtures"]`` in the root conftest.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from huiyuan.embedded.broker import EmbeddedBroker
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.provision import SERVICES, provision_service, service_database_url, upgrade
from shared.db import Sessions, create_engine, create_sessions
from tests.stack import Stack


@pytest.fixture(scope="session")
def embedded_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")) / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(free_port(), Path(tmp_path_factory.mktemp("broker")) / "broker.log")
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
    return Stack(admin_url, embedded_broker.bootstrap_servers, urls)


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
