"""The erasure migration lets a member be erased (``erased_at``, status ``erased``) exactly as
the model declares, and going back makes an erased member an inactive one."""

from __future__ import annotations

import uuid

from services.customer.members.models import Member
from tests.customer.schema_diff import differences
from tests.stack import Scratch, Stack

HEAD = "9fedb8c50f18"  # member erasure
SEARCH_INDEXES = "remove_index"
"""The name search's indexes (trigrams) are the search migration's, not the model's."""


async def _unlike_model(url: str) -> list[object]:
    found = await differences(url, {Member.__tablename__})
    return [d for d in found if not (isinstance(d, tuple) and d[0] == SEARCH_INDEXES)]


BEFORE = "3496ba0417fb"


async def test_the_migration_matches_the_model_and_goes_back_to_inactive(stack: Stack) -> None:
    async with stack.scratch_database("customer", HEAD) as url:
        assert await _unlike_model(url) == []
        scratch = Scratch("customer", url)
        member_id = uuid.uuid4()
        await scratch.sql(
            "INSERT INTO customer.members (id, card_number, name, phone_encrypted, phone_hash, "
            "locale, consent_sms, consent_email, referral_code, version, locked, restricted, "
            "status, erased_at, created_at, updated_at) VALUES ($1, 'erased-1', '', '', "
            "'erased-2', 'zh-CN', false, false, 'ABCDEFGHJKLMN', 2, false, false, 'erased', "
            "now(), now(), now())",
            member_id,
        )
        await scratch.downgrade(BEFORE)
        (row,) = await scratch.sql("SELECT status FROM customer.members WHERE id = $1", member_id)
        assert row["status"] == "inactive"
        columns = await scratch.sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'customer' AND table_name = 'members'"
        )
        assert "erased_at" not in {c["column_name"] for c in columns}
        await scratch.upgrade(HEAD)
        assert await _unlike_model(url) == []
