"""Pure rules of the reports: the calendar periods a window is cut into, cohort months,
retention, the R × F grid and histogram bins. No I/O. Days and months are the brand's
(``business_timezone``); money is integer fen; ratios are rounded to 4 decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Interval = Literal["day", "week", "month"]
MAX_PERIODS = 400
"""Most periods a timeline report shows (a year and a month of days)."""
MAX_COHORTS = 36
"""Most monthly cohorts a retention report shows."""
RATIO_DECIMALS = 4
Floats = NDArray[np.float64]


def ratio(part: int, whole: int) -> float:
    """``part / whole`` to 4 decimals; 0.0 when the whole is 0."""
    return 0.0 if whole <= 0 else round(part / whole, RATIO_DECIMALS)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier``'s month to ``later``'s: 0 within a month."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def period_start(day: date, interval: Interval) -> date:
    """The first day of the period holding ``day``: itself, its ISO week's Monday (as
    PostgreSQL's ``date_trunc('week')``), or its month's first day."""
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return month_start(day)


def next_period(start: date, interval: Interval) -> date:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    return add_months(start, 1)


def periods(first: date, last: date, interval: Interval) -> list[date]:
    """The starts of the periods from the one holding ``first`` to the one holding
    ``last`` (``first <= last``), in order."""
    starts = [period_start(first, interval)]
    while (following := next_period(starts[-1], interval)) <= last:
        starts.append(following)
    return starts


def period_count(first: date, last: date, interval: Interval) -> int:
    """How many periods :func:`periods` gives, without listing them."""
    begin, end = period_start(first, interval), period_start(last, interval)
    if interval == "day":
        return (end - begin).days + 1
    if interval == "week":
        return (end - begin).days // 7 + 1
    return months_between(begin, end) + 1


def retention_offsets(cohort: date, this_month: date) -> range:
    """The months since a cohort's first month that have begun by ``this_month``: 0 (the
    first month itself, where everyone bought) up to ``this_month``'s."""
    return range(months_between(cohort, this_month) + 1)


@dataclass(frozen=True)
class GridCell:
    r: int
    f: int
    members: int
    net_spend_fen: int


def rf_grid(cells: Iterable[tuple[int, int, int, int]], bins: int) -> list[GridCell]:
    """Every (r, f) of a ``bins`` × ``bins`` grid, best first, summing ``(r, f, members,
    net spend)`` cells over their monetary score; a cell nobody is in is 0."""
    totals: dict[tuple[int, int], tuple[int, int]] = {}
    for r, f, members, spend in cells:
        held, held_spend = totals.get((r, f), (0, 0))
        totals[(r, f)] = (held + members, held_spend + spend)
    return [
        GridCell(r, f, *totals.get((r, f), (0, 0)))
        for r in range(bins, 0, -1)
        for f in range(bins, 0, -1)
    ]


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    mean_of_other: float | None
    """The mean over the bin's members of the second series (None when empty)."""


def histogram(values: Floats, other: Floats, bins: int) -> list[Bin]:
    """``bins`` equal-width bins from 0 (or the least value, when negative) to the
    greatest value, each ``[low, high)`` except the last, which holds its upper edge:
    every value in exactly one. ``other`` is a second series beside ``values`` (e.g.
    P(alive) beside CLV), averaged per bin. No values: no bins."""
    if values.size == 0:
        return []
    low, high = min(0.0, float(values.min())), float(values.max())
    span = high - low if high > low else float(bins)
    width = span / bins
    # the share of the span below each value, so a span too small to divide stays exact
    index = np.clip(np.floor((values - low) / span * bins).astype(np.int64), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    sums = np.bincount(index, weights=other, minlength=bins)
    return [
        Bin(
            low=low + i * width,
            high=low + (i + 1) * width,
            count=int(counts[i]),
            mean_of_other=float(sums[i] / counts[i]) if counts[i] else None,
        )
        for i in range(bins)
    ]
