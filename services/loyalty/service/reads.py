"""What apps and staff read: a member's loyalty view and ledger."""

from __future__ import annotations

import uuid

from services.loyalty import domain, repository
from services.loyalty.errors import AccountNotFound
from services.loyalty.models import Account
from services.loyalty.schemas import (
    LedgerEntryOut,
    LedgerPage,
    LoyaltyOut,
    NextTier,
    TierRef,
)
from services.loyalty.service.common import current_ladder
from shared.db import AsyncSession
from shared.errors import InvalidCursor


async def _account(session: AsyncSession, member_id: uuid.UUID) -> Account:
    account = await repository.account(session, member_id)
    if account is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    return account


async def loyalty_of(session: AsyncSession, member_id: uuid.UUID) -> LoyaltyOut:
    account = await _account(session, member_id)
    ladder = await current_ladder(session)
    tier = next((r for r in ladder if r.code == account.tier_code), None)
    ahead = domain.next_tier(ladder, account.qualifying_spend_fen)
    return LoyaltyOut(
        member_id=member_id,
        balance=account.balance,
        tier=TierRef(code=account.tier_code, name=tier.name if tier else account.tier_code),
        qualifying_spend_fen=account.qualifying_spend_fen,
        next_tier=NextTier(
            code=ahead[0].code, name=ahead[0].name, threshold_fen=ahead[0].threshold_fen
        )
        if ahead
        else None,
        missing_fen=ahead[1] if ahead else None,
    )


async def ledger_of(
    session: AsyncSession, member_id: uuid.UUID, limit: int, cursor: str | None
) -> LedgerPage:
    """Newest first; the cursor is the position of the last entry of the previous page."""
    await _account(session, member_id)
    before: int | None = None
    if cursor is not None:
        if not cursor.isdigit():
            raise InvalidCursor(
                f"cursor {cursor!r} is not one this API returned", field="cursor", where="query"
            )
        before = int(cursor)
    rows = await repository.entries(session, member_id, limit + 1, before)
    page = rows[:limit]
    more = len(rows) > limit
    return LedgerPage(
        items=[LedgerEntryOut.model_validate(row) for row in page],
        next_cursor=str(page[-1].seq) if more and page else None,
    )
