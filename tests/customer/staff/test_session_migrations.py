"""The staff refresh tokens migration (refresh families of a member or a staff account) and
the members-by-store index: each builds what the models and queries need, and undoes it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.customer.signin.models import RefreshFamily
from services.customer.staff.models import StaffAccount
from tests.customer.schema_diff import differences
from tests.stack import Scratch, Stack

STAFF_REFRESH = "bc47304c6f1b"
MEMBERS_BY_STORE = "3496ba0417fb"
STAFF_ACCOUNTS = "ec1682910035"
TABLES = {RefreshFamily.__tablename__, StaffAccount.__tablename__}


async def _families(scratch: Scratch) -> list[tuple[str, str | None]]:
    rows = await scratch.sql(
        "SELECT id::text AS id, staff_id::text AS staff_id FROM customer.refresh_families "
        "ORDER BY created_at"
    )
    return [(row["id"], row["staff_id"]) for row in rows]


async def test_staff_refresh_families_come_and_go_with_their_migration(stack: Stack) -> None:
    async with stack.scratch_database("customer", STAFF_REFRESH) as url:
        assert await differences(url, TABLES) == []
        scratch = Scratch("customer", url)
        staff = uuid.uuid4()
        now = datetime.now(UTC)
        await scratch.sql(
            "INSERT INTO customer.staff (id, login_hash, login_encrypted, password_hash, role, "
            "created_at, updated_at) VALUES ($1, 'h', 'x', 'p', 'service', $2, $2)",
            staff,
            now,
        )
        await scratch.sql(
            "INSERT INTO customer.refresh_families (id, staff_id, created_at) "
            "VALUES (gen_random_uuid(), $1, $2)",
            staff,
            now,
        )
        assert [staff_id for _, staff_id in await _families(scratch)] == [str(staff)]

        await scratch.downgrade(STAFF_ACCOUNTS)
        left = await scratch.sql("SELECT count(*) AS n FROM customer.refresh_families")
        assert left[0]["n"] == 0  # staff sign-ins did not exist before
        nullable = await scratch.sql(
            "SELECT is_nullable FROM information_schema.columns WHERE table_schema = "
            "'customer' AND table_name = 'refresh_families' AND column_name = 'member_id'"
        )
        assert nullable[0]["is_nullable"] == "NO"

        await scratch.upgrade(STAFF_REFRESH)
        assert await differences(url, TABLES) == []


async def _store_index(scratch: Scratch) -> list[str]:
    rows = await scratch.sql(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'customer' "
        "AND indexname = 'ix_members_store_created'"
    )
    return [row["indexdef"] for row in rows]


async def test_the_members_by_store_index_comes_and_goes(stack: Stack) -> None:
    async with stack.scratch_database("customer", MEMBERS_BY_STORE) as url:
        scratch = Scratch("customer", url)
        (definition,) = await _store_index(scratch)
        assert "(store_id, created_at, id)" in definition
        await scratch.downgrade(STAFF_REFRESH)
        assert await _store_index(scratch) == []
        await scratch.upgrade(MEMBERS_BY_STORE)
        assert len(await _store_index(scratch)) == 1
