"""Members spend points; the balance never goes below zero."""

from __future__ import annotations

import uuid

from services.loyalty import repository
from services.loyalty.errors import AccountNotFound, InsufficientPoints
from services.loyalty.models import LedgerEntry, emit
from services.loyalty.schemas import (
    RedemptionIn,
    RedemptionOut,
)
from shared.db import AsyncSession
from shared.events.loyalty import PointsRedeemed


async def redeem(session: AsyncSession, member_id: uuid.UUID, data: RedemptionIn) -> RedemptionOut:
    """Spends points; the account row lock makes concurrent redemptions queue up, so the
    balance check and the debit can never interleave."""
    account = await repository.account(session, member_id, lock=True)
    if account is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    if account.balance < data.points:
        raise InsufficientPoints(
            f"insufficient points: balance {account.balance}, requested {data.points}",
            field="points",
            balance=account.balance,
            requested=data.points,
        )
    balance = account.balance - data.points
    entry = LedgerEntry(
        member_id=member_id,
        kind="redeem",
        points=-data.points,
        balance_after=balance,
        redemption_id=uuid.uuid4(),
        reason=data.reason,
    )
    await repository.append_entry(session, entry)
    await repository.save_account(
        session,
        member_id,
        balance=balance,
        qualifying_spend_fen=account.qualifying_spend_fen,
        tier_code=account.tier_code,
    )
    assert entry.redemption_id is not None
    await emit(
        session,
        PointsRedeemed(
            member_id=member_id,
            redemption_id=entry.redemption_id,
            entry_id=entry.id,
            points=data.points,
            balance=balance,
            reason=data.reason,
        ),
    )
    return RedemptionOut(
        redemption_id=entry.redemption_id,
        member_id=member_id,
        entry_id=entry.id,
        points=data.points,
        balance=balance,
        reason=data.reason,
        created_at=entry.created_at,
    )
