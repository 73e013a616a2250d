"""The sign-in migration builds exactly the tables its models declare, and undoes them."""

from __future__ import annotations

from services.customer.signin.models import RefreshFamily, RefreshToken, SigninCode
from tests.customer.schema_diff import check_round_trip
from tests.stack import Stack

HEAD = "bc47304c6f1b"  # the refresh families as staff refresh tokens left them
BEFORE = "5c896e363587"
TABLES = {model.__tablename__ for model in (SigninCode, RefreshFamily, RefreshToken)}


async def test_the_migration_builds_the_models_tables_and_undoes_them(stack: Stack) -> None:
    await check_round_trip(stack, HEAD, BEFORE, TABLES)
