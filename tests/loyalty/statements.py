"""Counting the statements a block of code sends to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consumer import EventConsumer
from shared.db import Sessions
from shared.events import CloudEvent
from shared.inbox import Handlers, Inbox
from shared.testing.records import consumer_record


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def engine_of(sessions: Sessions) -> AsyncEngine:
    bind = sessions.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind


@contextmanager
def round_trips(sessions: Sessions) -> Iterator[list[str]]:
    """Every statement sent on ``sessions``' connections inside the block, with the
    ``BEGIN`` and ``COMMIT`` around them on connections opened inside it (a fresh
    engine's): asyncpg sends those itself, unseen by SQLAlchemy's statement events, and
    its query loggers see them, not prepared statements."""
    sent: list[str] = []
    engine = engine_of(sessions).sync_engine

    def statement(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        sent.append(text)

    def query(record: Any) -> None:
        sent.append(record.query)

    def watch(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(query)

    event.listen(engine, "connect", watch)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "connect", watch)


def program_locks(sent: list[str]) -> list[str]:
    return [s for s in sent if "earning_rule" in s and "FOR SHARE" in s]


async def applied_statements(
    service: str, sessions: Sessions, inbox: Inbox, handlers: Handlers, batch: list[CloudEvent]
) -> list[str]:
    """The statements of ``service`` applying ``batch`` as its consumer runner does (one
    transaction, the inbox first), without a broker."""
    consumer = EventConsumer(
        service=service,
        sessions=sessions,
        inbox=inbox,
        handlers=handlers,
        topics=["unused"],
        bootstrap_servers="unused:9092",
        retry_backoff_seconds=0.01,
    )
    with statements(engine_of(sessions)) as sent:
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])
    return sent
