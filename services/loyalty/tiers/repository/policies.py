"""The tier policy's one row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Table,
    func,
    select,
    update,
)

from services.loyalty.tiers.domain import Policy
from services.loyalty.tiers.models import (
    TierPolicy,
)
from shared.db import AsyncSession

_policy: Table = TierPolicy.__table__  # type: ignore[attr-defined]


async def policy(session: AsyncSession, *, lock: bool = False) -> Policy:
    query = select(_policy).where(_policy.c.id == 1)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).one()
    return Policy(
        qualify_by=row.qualify_by,
        window=row.window_kind,
        window_months=row.window_months,
        grace_periods=row.grace_periods,
        purchase_thresholds={code: int(n) for code, n in row.purchase_thresholds.items()},
    )


async def save_policy(session: AsyncSession, policy: Policy) -> datetime:
    saved = await session.execute(
        update(_policy)
        .where(_policy.c.id == 1)
        .values(
            qualify_by=policy.qualify_by,
            window_kind=policy.window,
            window_months=policy.window_months,
            grace_periods=policy.grace_periods,
            purchase_thresholds=dict(policy.purchase_thresholds),
            updated_at=func.now(),
        )
        .returning(_policy.c.updated_at)
    )
    updated_at: datetime = saved.scalar_one()
    return updated_at


async def policy_updated_at(session: AsyncSession) -> datetime:
    updated_at: datetime = (await session.execute(select(_policy.c.updated_at))).scalar_one()
    return updated_at
