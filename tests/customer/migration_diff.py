"""How the customer schema a migration built differs from the models' tables, for tests
that check a migration builds exactly what its models declare."""

from __future__ import annotations

from functools import partial
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.customer.base import SCHEMA, CustomerTable


def _table_of(difference: Any, tables: set[str]) -> str | None:
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


def _differences(tables: set[str], connection: Connection) -> list[Any]:
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


async def differences(url: str, tables: set[str]) -> list[Any]:
    """What differs between the database at ``url`` and the models, for ``tables`` only
    (the models must be imported, so that their tables are in the metadata)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(partial(_differences, tables))
    finally:
        await engine.dispose()
