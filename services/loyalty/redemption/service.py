"""Members spend points; the balance never goes below zero."""

from __future__ import annotations

import uuid

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.base import emit
from services.loyalty.redemption.schemas import RedemptionIn, RedemptionOut
from shared.db import AsyncSession
from shared.events.loyalty import PointsRedeemed


async def redeem(session: AsyncSession, member_id: uuid.UUID, data: RedemptionIn) -> RedemptionOut:
    """Spends points from the account the member holds. The account row lock makes
    concurrent redemptions queue up, so the balance check and the debit never interleave.

    Raises :class:`AccountNotFound` (404) and :class:`InsufficientPoints` (422, ``points``).
    """
    account = await accounts.locked_account_of(session, member_id)
    if account is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    redemption_id = uuid.uuid4()
    moved = await accounts.move_new_points(
        session,
        account,
        Movement(Source("redemption", redemption_id), -data.points, reason=data.reason),
        field="points",
    )
    await emit(
        session,
        PointsRedeemed(
            member_id=member_id,
            account_id=account.account_id,
            redemption_id=redemption_id,
            entry_id=moved.entry_id,
            points=data.points,
            balance=moved.balance,
            reason=data.reason,
        ),
    )
    return RedemptionOut(
        redemption_id=redemption_id,
        member_id=member_id,
        account_id=account.account_id,
        entry_id=moved.entry_id,
        points=data.points,
        balance=moved.balance,
        reason=data.reason,
        created_at=moved.created_at,
    )
