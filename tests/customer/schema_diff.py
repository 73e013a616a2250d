"""How a migrated customer schema differs from the tables its models declare, for the
migration tests of one capability's tables."""

from __future__ import annotations

from collections.abc import Collection
from functools import partial
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.customer.base import SCHEMA, CustomerTable
from tests.stack import Scratch, Stack


def _table_of(difference: Any, tables: Collection[str]) -> str | None:
    """The table a difference is about (an index's, a column's, or the table itself)."""
    first = difference[0] if isinstance(difference, list) else difference
    for part in first[1:]:
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        name = getattr(part, "name", None)
        if isinstance(part, str) or name is None:
            continue
        return str(name)
    return next((p for p in first[1:] if isinstance(p, str) and p in tables), None)


def _differences(tables: Collection[str], connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, kind, _: kind != "schema" or name in (None, SCHEMA),
            "compare_type": True,
        },
    )
    found = [
        d
        for d in compare_metadata(context, CustomerTable.metadata)
        if _table_of(d, tables) in tables
    ]
    # a foreign key reflected from the role's own (default) schema names its target without
    # the schema the model writes: alembic answers it as removed and added under one name
    removed = {d[1].name for d in found if isinstance(d, tuple) and d[0] == "remove_fk"}
    added = {d[1].name for d in found if isinstance(d, tuple) and d[0] == "add_fk"}
    same = removed & added
    return [
        d
        for d in found
        if not (isinstance(d, tuple) and d[0] in ("remove_fk", "add_fk") and d[1].name in same)
    ]


async def differences(url: str, tables: Collection[str]) -> list[Any]:
    """What differs between ``tables`` in the database at ``url`` and in the models (whose
    modules the caller imported, so their tables are in the metadata)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(partial(_differences, tables))
    finally:
        await engine.dispose()


async def check_round_trip(stack: Stack, revision: str, before: str, tables: set[str]) -> None:
    """Asserts that the customer migrations up to ``revision`` build ``tables`` exactly as
    the models declare them, that going down to ``before`` removes them, and that coming
    back up builds them again."""
    async with stack.scratch_database("customer", revision) as url:
        found = await differences(url, tables)
        assert found == [], "\n".join(str(d)[:150] for d in found)
        scratch = Scratch("customer", url)
        await scratch.downgrade(before)
        left = await scratch.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'customer'"
        )
        assert tables.isdisjoint({row["table_name"] for row in left})
        await scratch.upgrade(revision)
        assert await differences(url, tables) == []
