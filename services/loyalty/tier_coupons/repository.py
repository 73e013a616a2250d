"""Statements of tier coupons."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlmodel import col

from services.loyalty.tier_coupons.models import TierCoupon
from shared.db import AsyncSession


async def all_(session: AsyncSession) -> list[TierCoupon]:
    query = select(TierCoupon).order_by(col(TierCoupon.tier_code), col(TierCoupon.definition_id))
    return list((await session.scalars(query)).all())


async def replace(session: AsyncSession, rows: Sequence[TierCoupon]) -> None:
    await session.execute(delete(TierCoupon))
    session.add_all(rows)
    await session.flush()
