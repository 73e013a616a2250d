"""Staff adjust a member's points, with a reason, audited with their subject.

The adjustment moves points through the kernel (source ``('adjustment', id)``) and its
audit row goes in the movement's own statement. A credit is available at once and expires
by the brand's points policy; a debit is a correction (it may take pending points) that
never takes the balance below zero. Use cases flush, never commit.
"""

from __future__ import annotations

import uuid

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.adjustments import repository
from services.loyalty.adjustments.schemas import AdjustmentIn, AdjustmentOut
from services.loyalty.base import emit
from services.loyalty.lots import service as lots
from shared.db import AsyncSession
from shared.events.loyalty import PointsAdjusted


async def adjust(
    session: AsyncSession, member_id: uuid.UUID, data: AdjustmentIn, *, staff: str
) -> AdjustmentOut:
    """Adds (or takes off) ``data.points`` on the account the member holds; publishes
    ``loyalty.points.adjusted``.

    Raises :class:`AccountNotFound` (404) and :class:`InsufficientPoints` (422, ``points``)
    for a debit larger than the balance.
    """
    account = await accounts.locked_account_of(session, member_id)
    if account is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    adjustment_id = uuid.uuid4()
    terms = await lots.credit_terms(session, purchase=False)
    movement = Movement(
        Source("adjustment", adjustment_id),
        data.points,
        reason=data.reason,
        expires_at=terms.expires_at if data.points > 0 else None,
        spend=False,
    )
    audit = repository.record_adjustment(
        adjustment_id=adjustment_id,
        account_id=account.account_id,
        member_id=member_id,
        points=data.points,
        reason=data.reason,
        staff=staff,
    )
    moved = await accounts.move_new_points(
        session, account, movement, field="points", along=[audit]
    )
    await emit(
        session,
        PointsAdjusted(
            member_id=member_id,
            account_id=account.account_id,
            adjustment_id=adjustment_id,
            entry_id=moved.entry_id,
            points=data.points,
            balance=moved.balance,
            reason=data.reason,
        ),
    )
    return AdjustmentOut(
        adjustment_id=adjustment_id,
        member_id=member_id,
        account_id=account.account_id,
        entry_id=moved.entry_id,
        points=data.points,
        balance=moved.balance,
        reason=data.reason,
        staff=staff,
        created_at=moved.created_at,
    )
