"""Loyalty's part of a member's export (PIPL art. 45), read in one snapshot."""

from __future__ import annotations

import uuid

from services.loyalty.coupons import service as coupons
from services.loyalty.lottery import service as lottery
from services.loyalty.members import service as members
from services.loyalty.members.schemas import LedgerEntryOut
from services.loyalty.privacy.schemas import LoyaltyExport
from services.loyalty.referrals import service as referrals
from services.loyalty.rewards import service as rewards
from services.loyalty.wallets import service as wallets
from shared.db import AsyncSession

PAGE = 500
"""Ledger entries read at a time."""
MOST = 10_000
"""The most coupons, wallet entries, reward orders, referrals and draws an export lists
(newest first)."""


async def export_of(session: AsyncSession, member_id: uuid.UUID) -> LoyaltyExport:
    """Everything loyalty holds about the member, as of one moment (the snapshot,
    :func:`members.one_snapshot`, is taken first). Raises
    :class:`~services.loyalty.accounts.errors.AccountNotFound` (404) for a member
    loyalty has not heard of."""
    await members.one_snapshot(session)
    view = await members.loyalty_of(session, member_id)
    ledger: list[LedgerEntryOut] = []
    before: int | None = None
    while True:
        page = await members.ledger_page(session, member_id, PAGE, before)
        ledger += page.items
        if page.next_cursor is None:
            break
        before = int(page.next_cursor)
    return LoyaltyExport(
        loyalty=view,
        ledger=ledger,
        coupons=(
            await coupons.coupons_of(session, member_id, show_code=True, limit=MOST, before=None)
        ).items,
        wallet=await wallets.wallet_of(session, member_id, MOST),
        reward_orders=(
            await rewards.list_orders(session, MOST, None, to_staff=False, member_id=member_id)
        ).items,
        referrals=(await referrals.referrals_of(session, member_id, MOST, None)).items,
        draws=await lottery.member_draws(session, member_id, MOST, None),
    )
