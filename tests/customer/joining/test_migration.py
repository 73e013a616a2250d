"""The joining and the consent-and-history migrations (with consent records per class and
the consent history) build exactly the tables their models declare, and undo them."""

from __future__ import annotations

from services.customer.consents.models import ConsentChange, ConsentRecord
from services.customer.history.models import ProfileChange
from services.customer.joining.models import CardFee, JoiningPolicy, MemberQualification
from tests.customer.schema_diff import check_round_trip
from tests.stack import Stack

HEAD = "5c896e363587"  # consent history
BEFORE = "2addd78cd9c9"
DECLARED = (
    JoiningPolicy,
    MemberQualification,
    CardFee,
    ConsentRecord,
    ConsentChange,
    ProfileChange,
)
TABLES = {model.__tablename__ for model in DECLARED}


async def test_the_migrations_build_the_models_tables_and_undo_them(stack: Stack) -> None:
    await check_round_trip(stack, HEAD, BEFORE, TABLES)
