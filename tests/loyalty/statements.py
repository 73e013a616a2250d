"""Counting the statements a block of code sends to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import Sessions


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


def program_locks(sent: list[str]) -> list[str]:
    return [s for s in sent if "earning_rule" in s and "FOR SHARE" in s]
