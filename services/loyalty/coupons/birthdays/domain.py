"""Whose birthday a day of the brand celebrates."""

from __future__ import annotations

import calendar
from datetime import date


def celebrated_on(day: date) -> tuple[tuple[int, int], ...]:
    """The ``(month, day)`` birthdays celebrated on ``day``: its own, and on 28 February of
    a year without a 29th also 29 February (those members celebrate a day early rather
    than a day late in March, and within their birthday month)."""
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        return ((2, 28), (2, 29))
    return ((day.month, day.day),)


def grant_key(day: date) -> str:
    """One birthday coupon per member and year, whichever day of it the job ran."""
    return f"birthday-{day.year}"
