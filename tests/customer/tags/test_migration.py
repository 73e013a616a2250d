"""The tags and categories migration builds exactly the tables their models declare, and
undoes them."""

from __future__ import annotations

from services.customer.categories import models as categories
from services.customer.tags import models as tags
from tests.customer.schema_diff import differences
from tests.stack import Scratch, Stack

REVISION = "a6cb5b68b528"
BEFORE = "d7f2b4a9c1e6"
TABLES = {"tags", "member_tags", "categories", "member_categories"}
DECLARED = (tags.Tag, categories.Category)  # imported: their tables are in the metadata


async def test_the_migration_builds_the_models_tables_and_undoes_them(stack: Stack) -> None:
    async with stack.scratch_database("customer", REVISION) as url:
        found = await differences(url, TABLES)
        assert found == [], "\n".join(str(d)[:150] for d in found)
        scratch = Scratch("customer", url)
        await scratch.downgrade(BEFORE)
        left = await scratch.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'customer'"
        )
        assert TABLES.isdisjoint({row["table_name"] for row in left})
        await scratch.upgrade(REVISION)
        assert await differences(url, TABLES) == []
