"""The service desk's migration builds exactly the tables its models declare, and undoes
them."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.customer.base import SCHEMA, CustomerTable
from services.customer.desk import models
from services.customer.households import models as households
from tests.stack import Scratch, Stack

REVISION = "9f1beff7346f"
BEFORE = "d4b8f1a3c6e2"
TABLES = {"tickets", "ticket_history", "ticket_escalations"}
DECLARED = (models.Ticket, households.Household)  # imported: their tables are in the metadata


def _table_of(difference: Any, tables: Set[str]) -> str | None:
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


def _differences(connection: Connection, tables: Set[str]) -> list[Any]:
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


async def compare(url: str, tables: Set[str] = TABLES) -> list[Any]:
    """How the customer schema at ``url`` differs from the models, for ``tables`` only."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences, tables)
    finally:
        await engine.dispose()


async def test_the_migration_builds_the_models_tables_and_undoes_them(stack: Stack) -> None:
    async with stack.scratch_database("customer", REVISION) as url:
        differences = await compare(url)
        assert differences == [], "\n".join(str(d)[:150] for d in differences)
        scratch = Scratch("customer", url)
        await scratch.downgrade(BEFORE)
        left = await scratch.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'customer'"
        )
        assert TABLES.isdisjoint({row["table_name"] for row in left})
        await scratch.upgrade(REVISION)
        assert await compare(url) == []
