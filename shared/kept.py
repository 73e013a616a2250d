"""Reads kept in process memory across transactions while their version stands.

A service keeps a value read from rarely changed tables (loyalty's program, messaging's
webhook subscriptions) in a :class:`Kept`, under a *version*: a token its transaction read
from the database beside (or instead of) the value. The value is read again only when the
token differs from the one it was kept under.

The tokens are ``uuid`` values in the service's ``kept_versions`` table (one row per kept
read, :func:`kept_versions_ddl`), replaced by a fresh random one by a trigger on every
table the read depends on (:func:`bump_on_change_ddl`), in the writer's transaction. So:

- a transaction that reads the token after a change committed (any process, any replica,
  a ``psql`` session) sees a new token and reads the value again; a batch that starts
  after the change commits sees the change;
- a token is never used twice (not after a rollback, a restore or a new database in the
  same process), so a value read by a transaction that rolled back, or read from another
  database, is never taken for the value of a token another transaction reads;
- the token is read by a statement the transaction sends anyway (loyalty's program lock)
  or in its place (messaging's), so keeping costs no statement of its own.

A value read *after* its token may be newer than the token says: harmless, the next
token read differs and the value is read again. Never the reverse: a transaction that
writes a watched table reads the token again after its write before it reads a kept
value, or it would keep its own uncommitted change under the committed token
(``services.loyalty.program.service.forget_program``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Column, MetaData, Table, Text, Uuid, text

from shared.db import AsyncSession, fetch_before_transaction

T = TypeVar("T")


class Kept(Generic[T]):
    """One value kept in process memory under the version it was read at."""

    def __init__(self) -> None:
        self._version: Hashable | None = None
        self._value: T | None = None

    async def read(self, version: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The value kept under ``version``, or ``load()``'s, then kept under it."""
        if self._version is not None and self._version == version:
            assert self._value is not None
            return self._value
        value = await load()
        self._version, self._value = version, value
        return value

    def drop(self) -> None:
        """Forgets the value: the next :meth:`read` loads."""
        self._version, self._value = None, None


async def token(session: AsyncSession, schema: str, name: str) -> uuid.UUID:
    """``name``'s token in ``schema``'s ``kept_versions``, read on ``session``'s connection
    before its transaction begins (:func:`shared.db.fetch_before_transaction`): a batch
    that needs nothing but the kept value sends this one statement, no ``BEGIN`` or
    ``COMMIT``. Raises ``LookupError`` if the row is missing (a migration not run)."""
    sql = f"SELECT version FROM {schema}.kept_versions WHERE name = $1"
    found = await fetch_before_transaction(session, sql, name)
    if not isinstance(found, uuid.UUID):
        raise LookupError(f"no kept_versions row {name!r} in {schema}")
    return found


async def lock_version(session: AsyncSession, schema: str, name: str) -> None:
    """Takes ``name``'s row in ``schema``'s ``kept_versions`` ``FOR UPDATE`` until the
    transaction ends. A transaction that may write a watched table in the middle of other
    work (a consumer's batch) takes it before any other lock: its trigger would take the
    row anyway, and taken midway it could close a deadlock with a transaction that took
    it first and now waits for a row this one holds."""
    await session.execute(
        text(f'SELECT 1 FROM "{schema}".kept_versions WHERE name = :name FOR UPDATE'),
        {"name": name},
    )


def kept_versions_table(metadata: MetaData) -> Table:
    """The ``kept_versions`` table of ``metadata``'s schema: a token per kept read, by name."""
    return Table(
        "kept_versions",
        metadata,
        Column("name", Text, primary_key=True),
        Column("version", Uuid, nullable=False, server_default=text("gen_random_uuid()")),
    )


def kept_versions_ddl(schema: str, names: Sequence[str]) -> list[str]:
    """For a migration: the schema's ``kept_versions`` table with a row per name in
    ``names``, and the trigger function giving a row a new token (its argument: the name)."""
    rows = ", ".join(f"('{name}', gen_random_uuid())" for name in names)
    return [
        f'CREATE TABLE "{schema}".kept_versions '
        "(name text PRIMARY KEY, version uuid NOT NULL DEFAULT gen_random_uuid())",
        f'INSERT INTO "{schema}".kept_versions (name, version) VALUES {rows}',
        f'CREATE FUNCTION "{schema}".bump_kept_version() RETURNS trigger LANGUAGE plpgsql '
        f'AS $$ BEGIN UPDATE "{schema}".kept_versions SET version = gen_random_uuid() '
        "WHERE name = TG_ARGV[0]; RETURN NULL; END $$",
    ]


def drop_kept_versions_ddl(schema: str) -> list[str]:
    return [
        f'DROP FUNCTION "{schema}".bump_kept_version()',
        f'DROP TABLE "{schema}".kept_versions',
    ]


def kept_version_rows_ddl(schema: str, names: Sequence[str]) -> list[str]:
    """For a migration: a row per name in ``names`` in the schema's existing
    ``kept_versions`` table (a kept read added after :func:`kept_versions_ddl`)."""
    rows = ", ".join(f"('{name}', gen_random_uuid())" for name in names)
    return [f'INSERT INTO "{schema}".kept_versions (name, version) VALUES {rows}']


def drop_kept_version_rows_ddl(schema: str, names: Sequence[str]) -> list[str]:
    listed = ", ".join(f"'{name}'" for name in names)
    return [f'DELETE FROM "{schema}".kept_versions WHERE name IN ({listed})']


def bump_on_change_ddl(
    schema: str,
    table: str,
    name: str,
    *,
    columns: Sequence[str] = (),
    rows: bool = False,
    inserted_rows: bool = False,
) -> list[str]:
    """For a migration: a statement trigger giving ``name``'s row a new token after any
    insert, delete or truncate of ``table``, and any update (of one of ``columns``, when
    given: an update setting none of them, such as a counter's, keeps the token). With
    ``rows``, an update gives a new token only when it changes one of ``columns`` in a row
    (a row trigger with a condition: for a table whose hot updates set them unchanged).
    With ``inserted_rows`` too, an insert gives one only when it inserts a row (a row
    trigger: an ``INSERT ... ON CONFLICT DO UPDATE`` fires the statement's insert triggers
    even when it only updates, or updates nothing, so an upsert of unchanged ``columns``
    would give a new token every time)."""
    on = f'ON "{schema}".{table}'
    bump = f"EXECUTE FUNCTION \"{schema}\".bump_kept_version('{name}')"
    of = f" OF {', '.join(columns)}" if columns else ""
    if not rows:
        assert not inserted_rows, "inserted_rows goes with rows"
        return [
            f"CREATE TRIGGER bump_kept_{name} AFTER INSERT OR UPDATE{of} OR DELETE OR TRUNCATE "
            f"{on} FOR EACH STATEMENT {bump}"
        ]
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    statement_events = "DELETE OR TRUNCATE" if inserted_rows else "INSERT OR DELETE OR TRUNCATE"
    triggers = [
        f"CREATE TRIGGER bump_kept_{name} AFTER {statement_events} {on} FOR EACH STATEMENT {bump}",
        f"CREATE TRIGGER bump_kept_{name}_rows AFTER UPDATE{of} {on} FOR EACH ROW "
        f"WHEN ({changed}) {bump}",
    ]
    if inserted_rows:
        triggers.append(
            f"CREATE TRIGGER bump_kept_{name}_inserts AFTER INSERT {on} FOR EACH ROW {bump}"
        )
    return triggers


def drop_bump_on_change_ddl(schema: str, table: str, name: str) -> list[str]:
    return [
        f'DROP TRIGGER IF EXISTS bump_kept_{name}_inserts ON "{schema}".{table}',
        f'DROP TRIGGER IF EXISTS bump_kept_{name}_rows ON "{schema}".{table}',
        f'DROP TRIGGER bump_kept_{name} ON "{schema}".{table}',
    ]
