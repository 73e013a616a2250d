"""Queries of the points policy and the expiry notices."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.loyalty.lots.domain import Policy
from services.loyalty.lots.models import ExpiryNotice, PointsPolicy
from shared.db import AsyncSession

_policy: Table = PointsPolicy.__table__  # type: ignore[attr-defined]
_notices: Table = ExpiryNotice.__table__  # type: ignore[attr-defined]


async def policy(session: AsyncSession) -> PointsPolicy | None:
    return await session.get(PointsPolicy, 1, populate_existing=True)


async def set_policy(session: AsyncSession, policy: Policy, by: str, now: datetime) -> None:
    values = {
        "id": 1,
        "return_window_days": policy.return_window_days,
        "expiry": policy.expiry,
        "expiry_months": policy.expiry_months,
        "expiring_notice_days": policy.expiring_notice_days,
        "shortfall_payback": policy.shortfall_payback,
        "updated_by": by,
        "updated_at": now,
    }
    await session.execute(
        pg_insert(_policy).values(values).on_conflict_do_update(index_elements=["id"], set_=values)
    )


async def record_notices(
    session: AsyncSession, account_id: uuid.UUID, lot_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Records the lots' expiry as announced; the lots not announced before."""
    if not lot_ids:
        return set()
    statement = (
        pg_insert(_notices)
        .values(
            [
                {"lot_id": lot, "account_id": account_id, "announced_at": func.now()}
                for lot in lot_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["lot_id"])
        .returning(_notices.c.lot_id)
    )
    return set((await session.scalars(statement)).all())
