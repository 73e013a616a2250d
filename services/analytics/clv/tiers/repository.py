"""The tier chain's counts, set-based over the tier history and the purchase facts: each
member's tier at the start of each month (the brand's midnight), the moves between
consecutive starts, and the net spend of each member-month by its starting tier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Integer, bindparam, text

from shared.db import AsyncSession

_STATES = """
    WITH bounds AS (
        SELECT k, ((:first + make_interval(months => k))::timestamp AT TIME ZONE :zone) AS at
        FROM generate_series(0, :periods) AS k
    ), states AS (
        SELECT m.member_id, b.k, b.at,
               (SELECT h.tier_code FROM analytics.tier_history h
                WHERE h.member_id = m.member_id AND h.at <= b.at
                ORDER BY h.at DESC, h.tier_code LIMIT 1) AS tier
        FROM (SELECT DISTINCT member_id FROM analytics.tier_history) m CROSS JOIN bounds b
    )
"""

_MOVES = text(
    _STATES
    + """
    SELECT s.tier AS origin, n.tier AS target, COUNT(*) AS members
    FROM states s JOIN states n ON n.member_id = s.member_id AND n.k = s.k + 1
    WHERE s.tier IS NOT NULL AND n.tier IS NOT NULL
    GROUP BY 1, 2
    """
).bindparams(bindparam("first", type_=Date()), bindparam("periods", type_=Integer()))

_SPEND = text(
    _STATES
    + """
    SELECT s.tier, COUNT(*) AS member_months, AVG(COALESCE(spent.fen, 0)) AS mean_fen
    FROM states s JOIN bounds e ON e.k = s.k + 1
    LEFT JOIN LATERAL (
        SELECT SUM(p.total_fen - p.returned_fen) AS fen FROM analytics.purchases p
        WHERE p.member_id = s.member_id AND p.voided_at IS NULL AND NOT p.fully_returned
          AND p.purchased_at >= s.at AND p.purchased_at < e.at
    ) spent ON true
    WHERE s.tier IS NOT NULL
    GROUP BY s.tier
    """
).bindparams(bindparam("first", type_=Date()), bindparam("periods", type_=Integer()))


@dataclass(frozen=True)
class Spend:
    member_months: int
    mean_fen: float


async def moves(
    session: AsyncSession, first: date, periods: int, zone: str
) -> dict[tuple[str, str], int]:
    """``{(tier at a month's start, tier at the next's): members}`` over ``periods`` months
    from ``first`` (a month's first day)."""
    rows = await session.execute(_MOVES, {"first": first, "periods": periods, "zone": zone})
    return {(row.origin, row.target): int(row.members) for row in rows}


async def spend(session: AsyncSession, first: date, periods: int, zone: str) -> dict[str, Spend]:
    """Per tier: the member-months starting in it and their mean net spend (fen)."""
    rows = await session.execute(_SPEND, {"first": first, "periods": periods, "zone": zone})
    return {row.tier: Spend(int(row.member_months), float(row.mean_fen)) for row in rows}
