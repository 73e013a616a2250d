"""A member's row of the facts."""

from __future__ import annotations

import uuid

from services.analytics.facts.models import MemberStats
from shared.db import AsyncSession


async def member(session: AsyncSession, member_id: uuid.UUID) -> MemberStats | None:
    return await session.get(MemberStats, member_id)
