"""KPI aggregates over the facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import col, select

from services.analytics.facts.models import MemberStats, Purchase
from shared.db import AsyncSession


@dataclass(frozen=True)
class KpiCounts:
    members: int
    active_members: int
    purchasing_members: int
    repeat_members: int
    revenue_fen: int
    purchases: int


async def kpi_counts(session: AsyncSession, active_since: datetime) -> KpiCounts:
    """Aggregates over the member rows, plus an index range scan for the active window."""
    count = col(MemberStats.purchase_count)
    totals = (
        await session.execute(
            sa.select(
                func.count().filter(col(MemberStats.registered_at).is_not(None)),
                func.count().filter(count >= 1),
                func.count().filter(count >= 2),
                func.coalesce(
                    func.sum(col(MemberStats.spend_fen) - col(MemberStats.returned_fen)), 0
                ),
                func.coalesce(func.sum(count), 0),
            )
        )
    ).one()
    active = await session.scalar(
        select(func.count(func.distinct(col(Purchase.member_id)))).where(
            col(Purchase.purchased_at) >= active_since,
            col(Purchase.fully_returned).is_(False),
            col(Purchase.voided_at).is_(None),
        )
    )
    return KpiCounts(
        members=int(totals[0]),
        active_members=int(active or 0),
        purchasing_members=int(totals[1]),
        repeat_members=int(totals[2]),
        revenue_fen=int(totals[3]),
        purchases=int(totals[4]),
    )
