"""The joining and the consent-and-history migrations (with consent records per class)
build exactly the tables their models declare, and undo them."""

from __future__ import annotations

from services.customer.consents.models import ConsentRecord
from services.customer.history.models import ProfileChange
from services.customer.joining.models import CardFee, JoiningPolicy, MemberQualification
from tests.customer.schema_diff import check_round_trip
from tests.stack import Stack

HEAD = "e4a1c6b9d2f8"  # consent records per class
BEFORE = "2addd78cd9c9"
DECLARED = (JoiningPolicy, MemberQualification, CardFee, ConsentRecord, ProfileChange)
TABLES = {model.__tablename__ for model in DECLARED}


async def test_the_migrations_build_the_models_tables_and_undo_them(stack: Stack) -> None:
    await check_round_trip(stack, HEAD, BEFORE, TABLES)
