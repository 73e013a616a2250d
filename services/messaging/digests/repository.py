"""Queries of the points digests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Table, case, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from services.messaging.digests.models import PointsDigest
from shared.db import AsyncSession

_digests: Table = PointsDigest.__table__  # type: ignore[attr-defined]


async def add(
    session: AsyncSession,
    member_id: uuid.UUID,
    day: date,
    *,
    points: int,
    balance: int,
    earned_at: datetime,
) -> None:
    """Adds ``points`` to the member's day; the balance is the latest event's."""
    statement = insert(_digests).values(
        member_id=member_id, day=day, points=points, balance=balance, earned_at=earned_at
    )
    new, kept = statement.excluded, _digests.c
    later = new.earned_at >= kept.earned_at
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id", "day"],
            set_={
                "points": kept.points + new.points,
                "balance": case((later, new.balance), else_=kept.balance),
                "earned_at": case((later, new.earned_at), else_=kept.earned_at),
            },
        )
    )


async def claim_before(session: AsyncSession, day: date, limit: int) -> list[PointsDigest]:
    """Up to ``limit`` digests of days before ``day``, locked; another run skips them."""
    query = (
        select(PointsDigest)
        .where(_digests.c.day < day)
        .order_by(_digests.c.day, _digests.c.member_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def remove(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, date]]) -> None:
    await session.execute(
        delete(_digests).where(tuple_(_digests.c.member_id, _digests.c.day).in_(keys))
    )
