"""The reports' own queries over the facts (purchases and members), one set-based
statement each: periods and cohort months are cut by PostgreSQL in the brand's timezone
(``date_trunc`` of the local time), never by a loop over rows.

A purchase counts when neither voided nor fully returned; net revenue is what was not
voided, less refunds (as the KPIs and cohorts count them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, bindparam, text

from shared.db import AsyncSession

_BY_PERIOD = text(
    """
    SELECT date_trunc(:unit, purchased_at AT TIME ZONE :zone)::date AS period,
           COUNT(*) FILTER (WHERE voided_at IS NULL AND NOT fully_returned),
           COUNT(DISTINCT member_id) FILTER (WHERE voided_at IS NULL AND NOT fully_returned),
           COALESCE(SUM(total_fen - returned_fen) FILTER (WHERE voided_at IS NULL), 0)
    FROM analytics.purchases
    WHERE purchased_at >= :start AND purchased_at < :end
    GROUP BY 1
    """
).bindparams(
    bindparam("start", type_=DateTime(timezone=True)),
    bindparam("end", type_=DateTime(timezone=True)),
)

_REGISTRATIONS = text(
    """
    SELECT date_trunc(:unit, registered_at AT TIME ZONE :zone)::date, COUNT(*)
    FROM analytics.members
    WHERE registered_at >= :start AND registered_at < :end
    GROUP BY 1
    """
).bindparams(
    bindparam("start", type_=DateTime(timezone=True)),
    bindparam("end", type_=DateTime(timezone=True)),
)

_REGISTERED_BEFORE = text(
    "SELECT COUNT(*) FROM analytics.members WHERE registered_at < :start"
).bindparams(bindparam("start", type_=DateTime(timezone=True)))

# Each member's cohort is the month of their first counted purchase; a member is active in
# a month with a counted purchase in it.
_RETENTION = text(
    """
    WITH counted AS (
        SELECT member_id, date_trunc('month', purchased_at AT TIME ZONE :zone)::date AS month
        FROM analytics.purchases
        WHERE voided_at IS NULL AND NOT fully_returned
    ), cohorts AS (
        SELECT member_id, MIN(month) AS cohort FROM counted GROUP BY member_id
    )
    SELECT c.cohort,
           (EXTRACT(YEAR FROM a.month) * 12 + EXTRACT(MONTH FROM a.month)
            - EXTRACT(YEAR FROM c.cohort) * 12 - EXTRACT(MONTH FROM c.cohort))::int,
           COUNT(DISTINCT a.member_id)
    FROM cohorts c JOIN counted a USING (member_id)
    WHERE c.cohort BETWEEN :first AND :last
    GROUP BY 1, 2
    """
).bindparams(bindparam("first", type_=Date()), bindparam("last", type_=Date()))


@dataclass(frozen=True)
class PeriodSales:
    purchases: int
    buyers: int
    net_revenue_fen: int


async def sales_by_period(
    session: AsyncSession, unit: str, zone: str, start: datetime, end: datetime
) -> dict[date, PeriodSales]:
    """Per period (``unit``: day, week or month of ``zone``) of purchases made in
    ``[start, end)``: counted purchases, their distinct members, net revenue."""
    rows = await session.execute(
        _BY_PERIOD, {"unit": unit, "zone": zone, "start": start, "end": end}
    )
    return {row[0]: PeriodSales(int(row[1]), int(row[2]), int(row[3])) for row in rows}


async def registrations(
    session: AsyncSession, unit: str, zone: str, start: datetime, end: datetime
) -> tuple[int, dict[date, int]]:
    """Members registered before ``start``, and per period those registered in
    ``[start, end)``."""
    before = await session.scalar(_REGISTERED_BEFORE, {"start": start})
    rows = await session.execute(
        _REGISTRATIONS, {"unit": unit, "zone": zone, "start": start, "end": end}
    )
    return int(before or 0), {row[0]: int(row[1]) for row in rows}


async def retention(
    session: AsyncSession, zone: str, first: date, last: date
) -> dict[tuple[date, int], int]:
    """Active members per (cohort month, months since it) for the cohorts from ``first``
    to ``last`` (months' first days)."""
    rows = await session.execute(_RETENTION, {"zone": zone, "first": first, "last": last})
    return {(row[0], int(row[1])): int(row[2]) for row in rows}
