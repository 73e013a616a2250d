"""Async engine and sessions for one service's schema.

Transactions are opened and committed at the edge only: :func:`transaction` for a
request (through ``shared.http.request_session``) or for a consumer batch. Service code
``flush()``es when it needs ids and never commits.

Sessions are SQLAlchemy's ``AsyncSession``: SQLModel defines the tables and builds the
``select()`` statements, and ``session.scalars(select(Model)...)`` returns typed rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import MetaData, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import registry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlmodel import SQLModel

from shared.settings import BaseServiceSettings


def schema_registry(schema: str) -> registry:
    """A registry whose tables all live in ``schema``; pass it to a service's table base.

    One registry per service keeps each service's metadata apart, so Alembic for one
    service never sees another service's tables, even when tests import them all.
    """
    return registry(metadata=MetaData(schema=schema))


def create_engine(settings: BaseServiceSettings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=settings.db_pool_pre_ping,
        # A database error's text would otherwise carry the statement's parameters (an
        # outbox row's payload, a member's name) into every log line that prints it.
        hide_parameters=True,
    )


Sessions = async_sessionmaker[AsyncSession]


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block ends, rolls back if it raises."""
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def single_statement(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """A session for **one statement** on a connection in autocommit: the statement
    commits by itself, with no ``BEGIN`` and ``COMMIT`` round trips around it (two of the
    three a one-statement transaction makes). One statement sees one snapshot and is
    atomic by itself; work of two statements uses :func:`transaction`. The connection goes
    back to the pool in the engine's own isolation level."""
    async with sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


_TRANSIENT = (
    OperationalError,
    PoolTimeout,  # every pooled connection busy for pool_timeout: overload, not bad input
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresConnectionError,  # the server went away or refused us
    asyncpg.ConnectionDoesNotExistError,  # the connection was closed under us
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,  # pg_terminate_backend, shutdown
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under ``session``, inside its transaction: for what
    SQLAlchemy does not offer (``COPY``). SQLAlchemy begins a transaction lazily, at the
    first statement it runs itself, so one is run here; without it a ``COPY`` that comes
    first would commit on its own and survive the transaction's rollback."""
    await session.execute(text("SELECT 1"))
    raw = await (await session.connection()).get_raw_connection()
    connection: asyncpg.Connection = raw.driver_connection
    return connection


async def prepared_fetch(session: AsyncSession, sql: str, *args: Any) -> list[asyncpg.Record]:
    """The rows of ``sql`` (``$1``, ``$2``… for ``args``) sent on ``session``'s own asyncpg
    connection, inside its transaction, as asyncpg's own prepared statement (prepared once
    per connection, cached by its text): for a hot path, without SQLAlchemy's
    per-statement work (cache key, compiled lookup, execution context, result rows, the
    greenlet hand-off), which was a fifth of orders' CPU per sale.

    SQLAlchemy's asyncpg adapter sends ``BEGIN`` at its first statement; if none ran yet,
    the transaction is begun here the same way (the adapter's own ``_start_transaction``,
    at the session's isolation level), so the statement commits or rolls back with the
    session's, unlike :func:`driver_connection` without a round trip of its own. The
    session's pending ORM changes are flushed first, as its own ``execute`` autoflushes
    them, so the statement sees them and runs after them. The
    engine's ``before_cursor_execute`` listeners see the statement as they see
    SQLAlchemy's (statement counters, tracing). Errors are asyncpg's own
    (``asyncpg.UniqueViolationError``, not SQLAlchemy's ``IntegrityError``);
    :func:`is_transient` knows both. Values go as asyncpg takes them, arrays as lists;
    ``json``/``jsonb`` go in as text and come out parsed (the adapter's codecs).
    """
    pending = session.sync_session
    if pending.autoflush and (pending.new or pending.dirty or pending.deleted):
        await session.flush()  # as SQLAlchemy's own execute would, before the statement
    driver, sync = await _in_transaction(session)
    _announce(sync, sql, args)
    rows: list[asyncpg.Record] = await driver.fetch(sql, *args)
    return rows


async def fetch_before_transaction(session: AsyncSession, sql: str, *args: Any) -> Any:
    """The first column of ``sql``'s first row, sent on ``session``'s asyncpg connection
    *before* its transaction when none has begun yet: in autocommit, so no ``BEGIN``, and a
    session that sends nothing else sends no ``COMMIT`` either (SQLAlchemy's adapter ends
    only a transaction it began). Once one has begun, inside it. A statement of its own
    either way, seeing whatever committed before it started; for a read whose answer the
    rest of the transaction needs no consistent snapshot with (``shared.kept``'s tokens).
    The engine's ``before_cursor_execute`` listeners see it, as :func:`prepared_fetch`'s."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    sync = connection.sync_connection
    assert sync is not None  # a session's connection is a started one
    _announce(sync, sql, args)
    driver: asyncpg.Connection = raw.driver_connection
    return await driver.fetchval(sql, *args)


def _announce(sync: Connection, sql: str, args: Sequence[Any]) -> None:
    for listener in sync.dispatch.before_cursor_execute:
        listener(sync, None, sql, args, None, False)


_HELD = "shared.db.prepared_fetch"
"""Where a session keeps its transaction's connections for :func:`prepared_fetch`."""


async def _in_transaction(session: AsyncSession) -> tuple[asyncpg.Connection, Connection]:
    """The asyncpg connection under ``session`` with its transaction begun, and
    SQLAlchemy's: looked up once per transaction (each lookup is two greenlet hand-offs),
    then kept in the session's ``info`` for as long as that transaction lasts."""
    current = session.sync_session.get_transaction()
    held = session.info.get(_HELD)
    if held is not None and current is not None and held[0] is current:
        return held[1], held[2]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    adapted: Any = raw.dbapi_connection
    if adapted._transaction is None:
        await adapted._start_transaction()
    driver: asyncpg.Connection = raw.driver_connection
    sync = connection.sync_connection
    assert sync is not None  # a session's connection is a started one
    session.info[_HELD] = (session.sync_session.get_transaction(), driver, sync)
    return driver, sync


class Prepared:
    """A Core statement compiled once for asyncpg and sent on the session's own connection
    (:func:`prepared_fetch`) with its values by name: written with SQLAlchemy, run as
    asyncpg's prepared statement. Values must be what asyncpg takes (SQLAlchemy's bind
    processors do not run): ``uuid.UUID``, ``datetime``, lists for arrays, JSON as text
    cast in the statement. With ``convert``, each value goes through its parameter's type
    as SQLAlchemy's own ``execute`` would send it (a ``JSON`` column's list or dict
    serialized, ``None`` as JSON ``null``): for a statement built for ``session.execute``
    whose values are the caller's, not this module's. Values bound in the statement itself
    (``literal(0)``) keep theirs."""

    def __init__(self, statement: ClauseElement, *, convert: bool = False) -> None:
        compiled = statement.compile(dialect=_ASYNCPG)
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            raise TypeError("asyncpg's parameters are positional")
        self.sql = str(compiled)
        self._names = list(compiled.positiontup)
        self._bound = {name: value for name, value in compiled.params.items() if value is not None}
        self._convert: list[tuple[int, Callable[[Any], Any]]] = []
        for at, name in enumerate(self._names if convert else ()):
            processor = compiled.binds[name].type.dialect_impl(_ASYNCPG).bind_processor(_ASYNCPG)
            if processor is not None:
                self._convert.append((at, processor))

    async def fetch(self, session: AsyncSession, **values: Any) -> list[asyncpg.Record]:
        """The statement's rows (:func:`prepared_fetch`); raises ``KeyError`` for a value
        not given."""
        given = self._bound | values
        args = [given[name] for name in self._names]
        for at, processor in self._convert:
            args[at] = processor(args[at])
        return await prepared_fetch(session, self.sql, *args)


_ASYNCPG = asyncpg_dialect()  # type: ignore[no-untyped-call]


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says the database was briefly unavailable, not that the work is wrong.

    Such failures are retried as they are: consumers do not count them towards parking an
    event, and the API answers 503 with ``Retry-After`` instead of 500.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _TRANSIENT) or _connection_lost(current) or _socket_gone(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _socket_gone(exc: BaseException) -> bool:
    """Connecting to the server's Unix socket while it restarts: the socket file is gone
    for a moment (every request's and handler's database work raised it during a restart,
    answering 500 and counting attempts towards parking events). The connect's error names
    no file, unlike ``open()``'s, so a file our own code misses is still a bug."""
    return isinstance(exc, FileNotFoundError) and exc.filename is None


_LOST = ("another operation", "connection is closed")


def _connection_lost(exc: BaseException) -> bool:
    """asyncpg's client errors that say the connection went away under a statement:
    "cannot switch to state …; another operation is in progress" (a statement cut off as
    the server went away) and "connection is closed" (the next statement on it, and the
    rollback after it, both seen answering 500 during a Postgres restart under load), also
    as SQLAlchemy's adaptation of them. Other client errors are bugs, not outages."""
    client_error = isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError) or (
        isinstance(exc, DBAPIError) and type(exc.orig).__name__ == "InterfaceError"
    )
    return client_error and any(words in str(exc) for words in _LOST)


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL rewritten for a bare asyncpg connection (used for LISTEN)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


__all__ = [
    "AsyncSession",
    "Prepared",
    "SQLModel",
    "Sessions",
    "asyncpg_dsn",
    "create_engine",
    "create_sessions",
    "is_transient",
    "prepared_fetch",
    "schema_registry",
    "transaction",
]
