"""The service desk's migration builds exactly the tables its models declare, and undoes
them."""

from __future__ import annotations

from typing import Any

from services.customer.desk import models
from services.customer.households import models as households
from tests.customer.migration_diff import differences
from tests.stack import Scratch, Stack

REVISION = "9f1beff7346f"
BEFORE = "d4b8f1a3c6e2"
TABLES = {"tickets", "ticket_history", "ticket_escalations"}
DECLARED = (models.Ticket, households.Household)  # imported: their tables are in the metadata


async def _compare(url: str) -> list[Any]:
    return await differences(url, TABLES)


async def test_the_migration_builds_the_models_tables_and_undoes_them(stack: Stack) -> None:
    async with stack.scratch_database("customer", REVISION) as url:
        found = await _compare(url)
        assert found == [], "\n".join(str(d)[:150] for d in found)
        scratch = Scratch("customer", url)
        await scratch.downgrade(BEFORE)
        left = await scratch.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'customer'"
        )
        assert TABLES.isdisjoint({row["table_name"] for row in left})
        await scratch.upgrade(REVISION)
        assert await _compare(url) == []
