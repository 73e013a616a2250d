"""Queries of the profile history."""

from __future__ import annotations

import uuid

from sqlmodel import col, select

from services.customer.history.models import ProfileChange
from shared.db import AsyncSession


def add(session: AsyncSession, change: ProfileChange) -> None:
    session.add(change)


async def page(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: int | None
) -> list[ProfileChange]:
    """Up to ``limit`` of the member's changes, latest first, older than ``before``."""
    query = (
        select(ProfileChange)
        .where(ProfileChange.member_id == member_id)
        .order_by(col(ProfileChange.seq).desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(col(ProfileChange.seq) < before)
    return list((await session.scalars(query)).all())
