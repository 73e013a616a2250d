"""Statements sent by asyncpg itself (``shared.db.Prepared``, ``prepared_fetch``) belong to
the session's transaction: they commit and roll back with it, begin it when they come
first, and SQLAlchemy's statement listeners see them."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import Integer, Text, bindparam, cast, func, insert, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry

from shared.db import Prepared, prepared_fetch, transaction
from tests.loyalty.statements import engine_of, statements
from tests.shared.scratch import Scratch


def _add_event(scratch: Scratch) -> Prepared:
    table = scratch.outbox.table
    return Prepared(
        insert(table)
        .values(
            event_id=bindparam("event_id"),
            event_type="test.thing.happened",
            topic=bindparam("topic"),
            key="k",
            envelope=cast(bindparam("envelope", type_=Text), JSONB),  # JSON as text
        )
        .returning(table.c.seq)
    )


async def _events(scratch: Scratch, event_id: str) -> int:
    table = scratch.outbox.table
    async with scratch.sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(table).where(table.c.event_id == event_id)
        )
    return found or 0


async def test_a_first_prepared_statement_begins_the_session_s_transaction(
    scratch: Scratch,
) -> None:
    add = _add_event(scratch)
    values = {"topic": "test.events", "envelope": '{"a": 1}'}

    class Refused(Exception):
        pass

    try:
        async with transaction(scratch.sessions) as session:
            await add.fetch(session, event_id="rolled-back", **values)  # the first statement
            raise Refused
    except Refused:
        pass
    async with transaction(scratch.sessions) as session:
        await add.fetch(session, event_id="committed", **values)

    assert await _events(scratch, "rolled-back") == 0
    assert await _events(scratch, "committed") == 1


async def test_values_go_by_name_beside_those_bound_in_the_statement(scratch: Scratch) -> None:
    summed = Prepared(select(literal(40) + bindparam("n", type_=Integer)))
    async with transaction(scratch.sessions) as session:
        with statements(engine_of(scratch.sessions)) as sent:
            [row] = await summed.fetch(session, n=2)
            rows = await prepared_fetch(session, "SELECT $1::int * 2", 21)

    assert (row[0], rows[0][0]) == (42, 42)
    assert sent == [summed.sql, "SELECT $1::int * 2"]


class _OutboxRow:
    """An ORM class for the scratch outbox, to leave a change pending in a session."""

    def __init__(self, event_id: str) -> None:
        self.event_id = event_id
        self.event_type = "test.thing.happened"
        self.topic = "test.events"
        self.key = "k"
        self.envelope = {"pending": True}


async def test_the_session_s_pending_changes_are_flushed_before_the_statement(
    scratch: Scratch,
) -> None:
    """As SQLAlchemy's own execute autoflushes: an object added to the session and a
    prepared statement after it see the same database."""
    mapped = registry()
    mapped.map_imperatively(_OutboxRow, scratch.outbox.table)
    try:
        async with transaction(scratch.sessions) as session:
            session.add(_OutboxRow("pending-then-read"))
            rows = await prepared_fetch(
                session,
                f"SELECT count(*) FROM {scratch.schema}.outbox WHERE event_id = $1",
                "pending-then-read",
            )
    finally:
        mapped.dispose()
    assert rows[0][0] == 1


async def test_converted_values_go_as_sqlalchemy_s_own_execute_sends_them(
    scratch: Scratch,
) -> None:
    """With ``convert``, a JSON column's value is serialized by its type (``None`` as JSON
    ``null``, as SQLAlchemy sends it), so a statement built for ``session.execute`` stores the
    same rows sent either way; without, asyncpg is handed the dict as it is and refuses it."""
    table = scratch.outbox.table
    statement = insert(table).values(
        event_id=bindparam("event_id"),
        event_type="test.thing.happened",
        topic="test.events",
        key="k",
        envelope=bindparam("envelope", type_=JSONB),
    )
    converted = Prepared(statement, convert=True)
    envelopes = [{"lines": [{"sku": "A-1", "fen": 1_250}], "note": "净"}, None]
    async with transaction(scratch.sessions) as session:
        for n, envelope in enumerate(envelopes):
            await converted.fetch(session, event_id=f"prepared-{n}", envelope=envelope)
            await session.execute(statement, {"event_id": f"executed-{n}", "envelope": envelope})
    async with scratch.sessions() as session:
        rows = await session.execute(select(table.c.event_id, table.c.envelope))
        stored = dict(rows.all())
    for n, envelope in enumerate(envelopes):
        assert stored[f"prepared-{n}"] == stored[f"executed-{n}"] == envelope

    with pytest.raises(asyncpg.DataError):
        async with transaction(scratch.sessions) as session:
            await Prepared(statement).fetch(session, event_id="raw", envelope=envelopes[0])
