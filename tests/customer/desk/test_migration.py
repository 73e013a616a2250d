"""The service desk's migration builds exactly the tables its models declare, and undoes
them."""

from __future__ import annotations

from services.customer.desk import models
from services.customer.households import models as households
from tests.customer.schema_diff import check_round_trip
from tests.stack import Stack

REVISION = "9f1beff7346f"
BEFORE = "d4b8f1a3c6e2"
TABLES = {"tickets", "ticket_history", "ticket_escalations"}
DECLARED = (models.Ticket, households.Household)  # imported: their tables are in the metadata


async def test_the_migration_builds_the_models_tables_and_undoes_them(stack: Stack) -> None:
    await check_round_trip(stack, REVISION, BEFORE, TABLES)
