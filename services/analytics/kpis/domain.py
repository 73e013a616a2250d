"""Pure KPI formulas. No I/O.

Rates are ratios (floats rounded to 4 decimals); money stays integer fen.

Headroom: the sums over all members are computed on read, never stored. PostgreSQL adds
bigints as ``numeric``, so revenue cannot overflow; it is exact for a JavaScript client up
to 2^53 - 1 fen (``MAX_RUNNING_FEN``, about 90 trillion yuan of net revenue), and every
member's own spend is capped there (:mod:`services.analytics.facts.domain`). Purchases
and members are counted as bigint.
"""

from __future__ import annotations

from datetime import datetime, timedelta

RATE_DECIMALS = 4


def lifetime_repeat_customer_rate(repeat_members: int, purchasing_members: int) -> float:
    """Members with at least two purchases ever over members with at least one; 0.0 when
    none. A lifetime share of repeat customers over all members, not seed 003's repeat
    purchase rate of a campaign's participants (that one is
    :func:`services.analytics.cohorts.domain.repeat_purchase_rate`)."""
    if purchasing_members <= 0:
        return 0.0
    return round(repeat_members / purchasing_members, RATE_DECIMALS)


def average_order_value_fen(revenue_fen: int, purchases: int) -> int:
    """Net revenue per counted purchase, rounded half up to a whole fen; 0 when none."""
    if purchases <= 0:
        return 0
    return (2 * revenue_fen + purchases) // (2 * purchases)


def active_window_start(now: datetime, days: int) -> datetime:
    """Purchases at or after this moment make a member active in a ``days``-day window."""
    if days < 1:
        raise ValueError(f"an activity window is at least one day, not {days}")
    return now - timedelta(days=days)
