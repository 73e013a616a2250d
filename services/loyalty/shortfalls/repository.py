"""Queries of the shortfalls' recoveries."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import Table, func, insert, select

from services.loyalty.shortfalls.models import Recovery
from shared.db import AsyncSession

_recoveries: Table = Recovery.__table__  # type: ignore[attr-defined]


async def recovered(
    session: AsyncSession, entry_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Points paid back so far of each of these reversal entries' shortfalls."""
    if not entry_ids:
        return {}
    query = (
        select(_recoveries.c.entry_id, func.sum(_recoveries.c.points))
        .where(_recoveries.c.entry_id.in_(entry_ids))
        .group_by(_recoveries.c.entry_id)
    )
    return {entry_id: int(points) for entry_id, points in await session.execute(query)}


async def record(
    session: AsyncSession,
    *,
    purchase_id: uuid.UUID,
    account_id: uuid.UUID,
    paid: Sequence[tuple[uuid.UUID, int]],
) -> None:
    await session.execute(
        insert(_recoveries).values(
            [
                {
                    "purchase_id": purchase_id,
                    "entry_id": entry_id,
                    "account_id": account_id,
                    "points": points,
                    "created_at": func.now(),
                }
                for entry_id, points in paid
            ]
        )
    )
