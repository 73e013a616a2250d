"""A throwaway schema carrying the shared tables, so shared code is tested on its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import create_sessions
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.kafka import Publisher, create_producer, ensure_topics
from shared.outbox import Outbox
from tests.contacts import customer_contacts  # noqa: F401 (a fixture: the test customer)
from tests.shared.own_broker import broker  # noqa: F401 (a fixture: a broker to restart)
from tests.shared.scratch import Scratch
from tests.stack import Stack


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    schema = f"scratch_{uuid.uuid4().hex[:10]}"
    metadata = MetaData(schema=schema)
    outbox, inbox, keys = Outbox(metadata), Inbox(metadata), IdempotencyKeys(metadata)
    engine = create_async_engine(stack.admin_url)
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await connection.run_sync(metadata.create_all)
    prefix = f"t{uuid.uuid4().hex[:10]}"
    await ensure_topics(stack.bootstrap_servers, [f"{prefix}.events"], partitions=3)
    yield Scratch(schema, stack.admin_url, create_sessions(engine), outbox, inbox, keys, prefix)
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture
async def producer(stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
async def publisher(stack: Stack) -> AsyncIterator[Publisher]:
    publisher = Publisher(stack.bootstrap_servers)
    await publisher.start()
    yield publisher
    await publisher.stop()
