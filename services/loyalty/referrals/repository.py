"""Queries of referrals."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from services.loyalty.referrals.models import Referral
from shared.db import AsyncSession


async def add(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Inserts the referral unless its friend has one already; whether it was inserted."""
    inserted = await session.execute(
        insert(Referral)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["friend_member_id"])
        .returning(col(Referral.id))
    )
    return inserted.first() is not None


async def of_referrer(session: AsyncSession, member_id: uuid.UUID, limit: int) -> list[Referral]:
    """The member's referrals, the latest first."""
    query = (
        select(Referral)
        .where(Referral.referrer_member_id == member_id)
        .order_by(col(Referral.referred_at).desc(), col(Referral.id).desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
