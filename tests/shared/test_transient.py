"""Which database errors count as a brief outage (503, retried) and which as real failures."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.db import (
    asyncpg_dsn,
    create_engine,
    create_sessions,
    is_transient,
    prepared_fetch,
)
from tests.stack import Stack


def _raised_from(cause: BaseException) -> RuntimeError:
    try:
        raise RuntimeError("wrapped") from cause
    except RuntimeError as exc:
        return exc


@pytest.mark.parametrize(
    "error",
    [
        PoolTimeout("QueuePool limit of size 4 overflow 4 reached"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        ConnectionRefusedError(),
        _raised_from(asyncpg.CannotConnectNowError("the database system is starting up")),
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
    ],
)
def test_outages_and_overload_are_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad input"),
        IntegrityError("INSERT", {}, Exception("duplicate key")),
        _raised_from(KeyError("missing")),
        asyncpg.InternalClientError("the server's protocol is not supported"),
        FileNotFoundError(2, "No such file or directory", "templates/points.sms.txt"),
    ],
)
def test_mistakes_are_not_transient(error: BaseException) -> None:
    assert not is_transient(error)


async def test_connecting_while_the_servers_socket_is_gone_is_transient(tmp_path: Path) -> None:
    """During a restart the server's Unix socket file is gone for a moment."""
    with pytest.raises(FileNotFoundError) as raised:
        await asyncpg.connect(host=str(tmp_path / "restarting"), user="huiyuan", timeout=5)
    assert is_transient(raised.value)


async def test_a_statement_on_a_connection_the_server_dropped_is_transient(stack: Stack) -> None:
    """What requests met after a restart cut their pooled connections: the hot path's
    prepared statement (:func:`prepared_fetch`) answered 500 with "connection is closed"."""
    engine = create_engine(stack.settings("orders"))
    sessions = create_sessions(engine)
    try:
        async with sessions() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
        other = await asyncpg.connect(asyncpg_dsn(stack.settings("orders").database_url))
        try:
            assert await other.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await other.close()
        await asyncio.sleep(0.2)  # the client reads the server's goodbye
        async with sessions() as session:
            with pytest.raises(Exception, match="connection is closed") as raised:
                await prepared_fetch(session, "SELECT 1")
        assert is_transient(raised.value), repr(raised.value)
    finally:
        await engine.dispose()
