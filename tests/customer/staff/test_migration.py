"""The staff accounts migration builds exactly the table its model declares, and undoes it."""

from __future__ import annotations

from services.customer.staff.models import StaffAccount
from tests.customer.schema_diff import check_round_trip
from tests.stack import Stack

HEAD = "ec1682910035"  # staff accounts
BEFORE = "b0a0f77036e1"


async def test_the_migration_builds_the_staff_table_and_undoes_it(stack: Stack) -> None:
    await check_round_trip(stack, HEAD, BEFORE, {StaffAccount.__tablename__})
