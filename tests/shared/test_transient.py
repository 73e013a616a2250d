"""Which database errors count as a brief outage (503, retried) and which as real failures."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.db import is_transient


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
    ],
)
def test_mistakes_are_not_transient(error: BaseException) -> None:
    assert not is_transient(error)
