"""What a member (or staff) reads: balance, tier, progress and the ledger of their account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import Entry
from services.loyalty.lots.domain import DEFAULT_POLICY
from services.loyalty.lots.schemas import ExpiringOut, PendingOut
from services.loyalty.members import repository
from services.loyalty.members.schemas import (
    LedgerEntryOut,
    LedgerKind,
    LedgerPage,
    LoyaltyOut,
    NextTier,
    TierRef,
)
from services.loyalty.points import service as points
from services.loyalty.program.domain import Rung, base_tier
from services.loyalty.reservations.schemas import HeldOut
from services.loyalty.rules.schemas import RuleContribution
from services.loyalty.tiers import domain as tiers_domain
from shared.db import AsyncSession
from shared.inputs import input_defaults

KINDS: dict[str, LedgerKind] = {
    "purchase": "earn",
    "return": "reverse",
    "void": "reverse",
    "redemption": "redeem",
    "adjustment": "adjust",
    "transfer_out": "transfer",
    "transfer_in": "transfer",
    "expiry": "expire",
    "recovery": "recover",
    "till_hold": "hold",
    "till_release": "release",
    "till_refund": "refund",
    "till_retake": "retake",
    "reward_order": "redeem",
    "reward_refund": "refund",
    "campaign_reward": "earn",
    "lottery_prize": "earn",
}
"""The ledger's kind of entry for each source type, as the API has always named them."""


async def one_snapshot(session: AsyncSession) -> None:
    """Reads what follows in one snapshot of the database (``REPEATABLE READ``).

    The ledger reads the account and its entries with separate statements, and an export
    reads the view, then the ledger; each would otherwise see the commits made before it,
    so a purchase committing between them would show beside what was read before it. Call
    before the first statement of the transaction (the request's transaction starts with
    none); :func:`loyalty_of` alone needs no call, being one statement.
    """
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def loyalty_of(session: AsyncSession, member_id: uuid.UUID) -> LoyaltyOut:
    """The member's balance, tier and progress to the next tier, as of one moment: one
    statement (:func:`repository.loyalty_view`), so it needs no transaction (the API
    sends it in autocommit); a caller that reads more beside it takes
    :func:`one_snapshot` first (an export).

    Raises :class:`~services.loyalty.accounts.errors.AccountNotFound` (404)."""
    zone = input_defaults().business_timezone
    row = await repository.loyalty_view(
        session, member_id, datetime.now(UTC), zone.key, DEFAULT_POLICY.expiring_notice_days
    )
    if row is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    ladder = [Rung(code, name, threshold) for code, name, threshold in row.ladder]
    tier_code = row.tier_code if row.tier_code is not None else base_tier(ladder).code
    spend = max(row.own_spend_fen or 0, row.household_spend_fen or 0)
    tier = next((r for r in ladder if r.code == tier_code), None)
    ahead = tiers_domain.next_tier(ladder, spend)
    return LoyaltyOut(
        member_id=member_id,
        account_id=row.account_id,
        balance=row.balance,
        available=row.available,
        pending_points=sum(points for _, points in row.pending),
        pending=[PendingOut(available_on=on, points=points) for on, points in row.pending],
        expiring_soon_points=sum(points for _, points in row.expiring_soon),
        expiring_soon=[
            ExpiringOut(valid_through=on, points=points) for on, points in row.expiring_soon
        ],
        held_points=sum(h[2] for h in row.held),
        held=[
            HeldOut(reservation_id=reservation, store_id=store, points=points, expires_at=until)
            for reservation, store, points, until in row.held
        ],
        tier=TierRef(code=tier_code, name=tier.name if tier else tier_code),
        qualifying_spend_fen=spend,
        next_tier=NextTier(
            code=ahead[0].code, name=ahead[0].name, threshold_fen=ahead[0].threshold_fen
        )
        if ahead
        else None,
        missing_fen=ahead[1] if ahead else None,
    )


async def ledger_of(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: int | None
) -> LedgerPage:
    """The ledger of the member's account, newest first, as of one moment; ``before`` is
    the cursor, the position of the last entry of the previous page.

    Raises :class:`~services.loyalty.accounts.errors.AccountNotFound` (404)."""
    await one_snapshot(session)
    return await ledger_page(session, member_id, limit, before)


async def ledger_page(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: int | None
) -> LedgerPage:
    """:func:`ledger_of` in the snapshot the transaction already reads (one that called
    :func:`one_snapshot` first: an export's)."""
    account = await accounts.account_of(session, member_id)
    rows = await accounts.ledger_page(session, account.account_id, limit + 1, before)
    page = rows[:limit]
    returned = await points.purchases_returned(
        session, [entry.source.id for entry in page if entry.source.type == "return"]
    )
    breakdowns = await points.breakdowns(
        session, [entry.source.id for entry in page if entry.source.type == "purchase"]
    )
    return LedgerPage(
        items=[_entry_out(entry, returned, breakdowns) for entry in page],
        next_cursor=str(page[-1].seq) if len(rows) > limit and page else None,
    )


def _entry_out(
    entry: Entry,
    returned: dict[uuid.UUID, uuid.UUID],
    breakdowns: dict[uuid.UUID, list[dict[str, Any]]],
) -> LedgerEntryOut:
    source = entry.source
    breakdown = breakdowns.get(source.id) if source.type == "purchase" else None
    return LedgerEntryOut(
        id=entry.entry_id,
        kind=KINDS[source.type],
        source_type=source.type,
        source_id=source.id,
        points=entry.points,
        balance_after=entry.balance_after,
        shortfall=entry.shortfall,
        purchase_id=source.id
        if source.type in ("purchase", "void", "recovery")
        else returned.get(source.id),
        return_id=source.id if source.type == "return" else None,
        redemption_id=source.id if source.type == "redemption" else None,
        reward_order_id=source.id if source.type in ("reward_order", "reward_refund") else None,
        reason=entry.reason,
        breakdown=[RuleContribution.model_validate(c) for c in breakdown] if breakdown else None,
        created_at=entry.created_at,
    )
