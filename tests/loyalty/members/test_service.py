"""The member's view is read in one snapshot, so it never mixes two moments."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.loyalty.members import service
from shared.db import Sessions, transaction
from tests.loyalty.conftest import funded_member, handle, purchase_event

_SEEN = text(
    "SELECT a.balance, s.tier_code FROM loyalty.account_holders h "
    "JOIN loyalty.accounts a USING (account_id) JOIN loyalty.tier_standings s USING (member_id) "
    "WHERE h.member_id = :member"
)


@pytest.mark.parametrize("read", ["loyalty", "ledger"])
async def test_a_read_sees_one_moment_even_while_a_purchase_commits(
    loyalty_sessions: Sessions, read: str
) -> None:
    """Balance and tier are separate rows: read at two moments, a purchase committing in
    between showed its new tier beside the balance from before it (an e2e test saw it)."""
    member_id = await funded_member(loyalty_sessions, 90_000)  # standard, 900 points
    async with transaction(loyalty_sessions) as session:
        if read == "loyalty":  # as an export reads it, the ledger after it
            await service.one_snapshot(session)
            view = await service.loyalty_of(session, member_id)
            assert (view.balance, view.tier.code) == (900, "standard")
        else:
            page = await service.ledger_of(session, member_id, 10, None)
            assert [item.points for item in page.items] == [900]
        await handle(loyalty_sessions, purchase_event(member_id, 20_000))  # → vip, +200
        assert await session.scalar(text("SHOW transaction_isolation")) == "repeatable read"
        seen = (await session.execute(_SEEN, {"member": member_id})).one()
        assert tuple(seen) == (900, "standard")
