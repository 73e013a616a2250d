"""The custom fields migration adds its two tables to a schema at the release before it and
takes them away again on a downgrade, members untouched."""

from __future__ import annotations

from services.customer.fields import models
from tests.customer.schema_diff import differences
from tests.stack import Scratch, Stack

PREVIOUS_HEAD = "f6a9c2d8e1b4"
REVISION = "df92c91114cc"
TABLES = {models.CustomField.__tablename__, models.MemberFieldValue.__tablename__}
_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'customer' "
    "AND table_name IN ('custom_fields', 'member_field_values') ORDER BY table_name"
)


async def test_upgrade_and_downgrade(stack: Stack) -> None:
    async with stack.scratch_database("customer", PREVIOUS_HEAD) as url:
        scratch = Scratch("customer", url)
        assert await scratch.sql(_TABLES) == []
        await scratch.upgrade(REVISION)
        names = [row["table_name"] for row in await scratch.sql(_TABLES)]
        assert names == ["custom_fields", "member_field_values"]
        assert await differences(url, TABLES) == []  # the migration builds the models' tables
        indexes = await scratch.sql(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'customer' "
            "AND tablename = 'member_field_values' ORDER BY indexname"
        )
        assert [row["indexname"] for row in indexes] == [
            "ix_member_field_values_day",
            "ix_member_field_values_member",
            "ix_member_field_values_number",
            "ix_member_field_values_term",
            "member_field_values_pkey",
        ]
        await scratch.downgrade(PREVIOUS_HEAD)
        assert await scratch.sql(_TABLES) == []
        await scratch.upgrade(REVISION)
        assert len(await scratch.sql(_TABLES)) == 2
