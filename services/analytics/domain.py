"""Pure rules of analytics: KPI formulas, returns and dates. No I/O.

Rates are ratios (floats rounded to 4 decimals); money stays integer fen.

A purchase counts as a purchase (for purchase counts, purchasing members, the repeat
rate, active members and the average order value) unless it was fully returned; its
net amount (total minus refunds) always counts in revenue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

RATE_DECIMALS = 4


def repeat_purchase_rate(repeat_members: int, purchasing_members: int) -> float:
    """Members with at least two purchases over members with at least one; 0.0 when none."""
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


@dataclass(frozen=True)
class ReturnEffect:
    """What one return changes on its purchase and on the member."""

    returned_fen: int  # the purchase's refunded total after this return
    refunded_fen: int  # what this return adds to the member's refunds
    fully_returned: bool
    purchase_count_delta: int  # -1 when this return makes the purchase fully returned


def is_fully_returned(total_fen: int, returned_fen: int) -> bool:
    return returned_fen > 0 and returned_fen >= total_fen


def apply_return(total_fen: int, returned_fen: int, amount_fen: int) -> ReturnEffect:
    """Refunds never exceed the purchase total; crossing it removes the purchase once."""
    after = min(total_fen, returned_fen + max(amount_fen, 0))
    was_full = is_fully_returned(total_fen, returned_fen)
    now_full = is_fully_returned(total_fen, after)
    return ReturnEffect(
        returned_fen=after,
        refunded_fen=after - returned_fen,
        fully_returned=now_full,
        purchase_count_delta=-1 if now_full and not was_full else 0,
    )


def business_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def days_since(moment: datetime | None, now: datetime, timezone: str) -> int | None:
    """Whole calendar days in the business timezone between ``moment`` and ``now``."""
    if moment is None:
        return None
    return (business_day(now, timezone) - business_day(moment, timezone)).days
