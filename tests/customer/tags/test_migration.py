"""The tags and categories migrations (the tables, then their name keys as text) build
exactly the tables their models declare, and undo them."""

from __future__ import annotations

from services.customer.categories import models as categories
from services.customer.tags import models as tags
from tests.customer.schema_diff import check_round_trip
from tests.stack import Stack

REVISION = "b2d4f6a8c0e1"  # a6cb5b68b528 built them; this one widened name_key
BEFORE = "d7f2b4a9c1e6"
TABLES = {"tags", "member_tags", "categories", "member_categories"}
DECLARED = (tags.Tag, categories.Category)  # imported: their tables are in the metadata


async def test_the_migration_builds_the_models_tables_and_undoes_them(stack: Stack) -> None:
    await check_round_trip(stack, REVISION, BEFORE, TABLES)
