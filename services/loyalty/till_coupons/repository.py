"""Queries of coupon reservations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, Uuid, bindparam
from sqlmodel import col, select

from services.loyalty.till_coupons.models import CouponRedemption
from shared.db import AsyncSession, Prepared

_redemptions: Table = CouponRedemption.__table__  # type: ignore[attr-defined]


async def add(session: AsyncSession, redemption: CouponRedemption) -> None:
    session.add(redemption)
    await session.flush()


async def redemption(
    session: AsyncSession, reservation_id: uuid.UUID, *, lock: bool = False
) -> CouponRedemption | None:
    query = select(CouponRedemption).where(CouponRedemption.reservation_id == reservation_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


_OF_PURCHASE = Prepared(
    select(_redemptions.c.reservation_id)
    .where(_redemptions.c.purchase_id == bindparam("purchase_id", type_=Uuid))
    .order_by(_redemptions.c.created_at, _redemptions.c.reservation_id)
)
"""Built once, sent as asyncpg's prepared statement: every sale with a discount asks it."""


async def of_purchase(session: AsyncSession, purchase_id: uuid.UUID) -> list[uuid.UUID]:
    """The reservations ever committed to a sale, whatever became of them."""
    rows = await _OF_PURCHASE.fetch(session, purchase_id=purchase_id)
    return [row["reservation_id"] for row in rows]


async def due(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    """Holds whose hold or grace ran out, oldest first."""
    query = (
        select(CouponRedemption.hold_id)
        .where(
            col(CouponRedemption.status).in_(("held", "committed")),
            CouponRedemption.expires_at <= now,
        )
        .order_by(col(CouponRedemption.expires_at))
        .limit(limit)
    )
    return list(dict.fromkeys((await session.scalars(query)).all()))


async def of_hold(
    session: AsyncSession, hold_id: uuid.UUID, *, lock: bool = False
) -> list[CouponRedemption]:
    """The redemptions of one hold (a till's request), locked in reservation order when
    ``lock`` (every path that moves a hold's coupons locks them so: no deadlock)."""
    query = (
        select(CouponRedemption)
        .where(CouponRedemption.hold_id == hold_id)
        .order_by(col(CouponRedemption.reservation_id))
    )
    if lock:
        query = query.with_for_update()
    return list((await session.scalars(query.execution_options(populate_existing=True))).all())
