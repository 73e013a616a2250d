"""Reading a member's summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.analytics.members import domain, repository
from services.analytics.members.errors import MemberSummaryNotFound
from services.analytics.members.schemas import MemberSummary
from shared.db import AsyncSession


async def member_summary(
    session: AsyncSession, member_id: uuid.UUID, timezone: str
) -> MemberSummary:
    """The member's counters and tier; days since the last purchase count calendar days in
    ``timezone``. Raises :class:`MemberSummaryNotFound` (404) if no event named them."""
    stats = await repository.member(session, member_id)
    if stats is None:
        raise MemberSummaryNotFound(
            f"Analytics has no events about member {member_id}", field="member_id", where="path"
        )
    return MemberSummary(
        member_id=stats.member_id,
        registered_at=stats.registered_at,
        purchase_count=stats.purchase_count,
        spend_fen=stats.spend_fen,
        returned_fen=stats.returned_fen,
        net_spend_fen=stats.spend_fen - stats.returned_fen,
        first_purchase_at=stats.first_purchase_at,
        last_purchase_at=stats.last_purchase_at,
        days_since_last_purchase=domain.days_since(
            stats.last_purchase_at, datetime.now(UTC), timezone
        ),
        tier_code=stats.tier_code,
    )
