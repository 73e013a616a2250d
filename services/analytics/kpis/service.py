"""Reading the KPIs: the aggregates, through the formulas."""

from __future__ import annotations

from datetime import UTC, datetime

from services.analytics.kpis import domain, repository
from services.analytics.kpis.schemas import Kpis
from services.analytics.reads import begin_report
from shared.csvtext import csv_text
from shared.db import AsyncSession


async def kpis(session: AsyncSession, days: int) -> Kpis:
    """The KPIs now, with members active in the last ``days`` days (1 to 365)."""
    now = datetime.now(UTC)
    await begin_report(session)
    counts = await repository.kpi_counts(session, domain.active_window_start(now, days))
    repeat_rate = domain.lifetime_repeat_customer_rate(
        counts.repeat_members, counts.purchasing_members
    )
    return Kpis(
        members=counts.members,
        active_members_30d=counts.active_members,
        active_window_days=days,
        purchasing_members=counts.purchasing_members,
        lifetime_repeat_customer_rate=repeat_rate,
        repeat_purchase_rate=repeat_rate,
        revenue_fen=counts.revenue_fen,
        purchases=counts.purchases,
        average_order_value_fen=domain.average_order_value_fen(
            counts.revenue_fen, counts.purchases
        ),
        as_of=now,
    )


def kpis_csv(figures: Kpis) -> str:
    """The KPIs as one CSV row, their names as the header (``as_of`` in ISO 8601)."""
    row = figures.model_dump(mode="json")
    return csv_text(row, [row.values()])
