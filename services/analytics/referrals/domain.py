"""The referral report's rules, pure: the months of a range and the rates."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

MAX_MONTHS = 36
RATE_DECIMALS = 4
"""As the KPIs' rates."""


def months(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    return out


def span(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[first month's 1st 00:00, the month after last's 1st 00:00)`` in the brand's zone."""
    after = last.replace(day=1)
    after = after.replace(year=after.year + after.month // 12, month=after.month % 12 + 1)
    return (
        datetime.combine(first.replace(day=1), time(0), tzinfo=zone),
        datetime.combine(after, time(0), tzinfo=zone),
    )


def rate(part: int, whole: int) -> float:
    """``part / whole`` rounded to 4 decimals; 0.0 when ``whole`` is 0."""
    return 0.0 if whole <= 0 else round(part / whole, RATE_DECIMALS)
