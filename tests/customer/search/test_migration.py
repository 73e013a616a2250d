"""The search migration backfills the surname initial of members registered before it."""

from __future__ import annotations

import uuid

from tests.stack import Scratch, Stack

REVISION = "2addd78cd9c9"
BEFORE = "a7c3e9f1b2d5"
_INSERT = (
    "INSERT INTO customer.members (id, card_number, name, phone_encrypted, phone_hash, "
    "locale, consent_sms, consent_email, referral_code, version, locked, restricted, status, "
    "created_at, updated_at) VALUES ($1, $2, $3, 'x', $4, 'zh-CN', false, false, $5, 1, "
    "false, false, 'active', now(), now())"
)


async def test_existing_members_get_their_initial_and_downgrade_drops_it(stack: Stack) -> None:
    names = {"单雄信": "S", "曾巩": "Z", "欧阳询": "O", "Zoe Wu": "Z", "7号": None}
    async with stack.scratch_database("customer", BEFORE) as url:
        scratch = Scratch("customer", url)
        ids = {}
        for serial, name in enumerate(names, start=1):
            ids[name] = uuid.uuid4()
            await scratch.sql(
                _INSERT, ids[name], f"card{serial}", name, f"hash{serial}", f"CODE{serial}"
            )
        await scratch.upgrade(REVISION)
        rows = await scratch.sql("SELECT id, surname_initial FROM customer.members")
        assert {row["id"]: row["surname_initial"] for row in rows} == {
            ids[name]: initial for name, initial in names.items()
        }
        grams = await scratch.sql(
            "SELECT gram FROM customer.member_name_grams WHERE member_id = $1", ids["欧阳询"]
        )
        assert sorted(row["gram"] for row in grams) == sorted(["欧", "阳", "询", "欧阳", "阳询"])
        await scratch.downgrade(BEFORE)
        columns = await scratch.sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'customer' AND table_name = 'members'"
        )
        assert "surname_initial" not in {row["column_name"] for row in columns}
        tables = await scratch.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'customer'"
        )
        assert {"member_name_grams", "staff_recent_members", "staff_pinned_members"}.isdisjoint(
            {row["table_name"] for row in tables}
        )
