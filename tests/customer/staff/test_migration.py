"""The staff accounts migration builds exactly the table its model declares, and undoes it."""

from __future__ import annotations

from services.customer.staff.models import StaffAccount
from tests.customer.schema_diff import check_round_trip
from tests.stack import Stack

HEAD = "ec1682910035"  # staff accounts
BEFORE = "e4a1c6b9d2f8"


async def test_the_migration_builds_the_staff_table_and_undoes_it(stack: Stack) -> None:
    await check_round_trip(stack, HEAD, BEFORE, {StaffAccount.__tablename__})
