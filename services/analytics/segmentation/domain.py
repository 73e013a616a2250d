"""Pure rules of the segmentation: scores, quadrants, the 80/20 cut and the sleeping cut-off.
No I/O. PostgreSQL evaluates the same formulas set-based (see ``repository.py``); these
are their definitions, tested by hand.

The population is every member with at least one counted purchase (neither voided nor
fully returned). For each: **recency** = whole business days (the brand's timezone) since
their last purchase; **frequency** = counted purchases; **monetary** = net spend in fen
(purchases not voided, less refunds).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Quadrant = Literal["gold", "meteor", "brook", "burden"]
QUADRANTS: tuple[Quadrant, ...] = ("gold", "meteor", "brook", "burden")
QUADRANT_NAMES: dict[Quadrant, str] = {
    "gold": "黄金客户",
    "meteor": "流星客户",
    "brook": "小溪客户",
    "burden": "负担客户",
}
DEFAULT_BINS = 5
"""Quintiles, the classic RFM scale (Hughes, Strategic Database Marketing, 1994)."""
SHARE_DECIMALS = 4


def quadrant(high_value: bool, high_repeat: bool) -> Quadrant:
    """Seed 001's four kinds of customer by value per purchase (单次交易收益: net spend /
    purchases) and number of purchases (重复交易次数); each side is high when strictly
    above its cut point (by default the median over the population):

    - gold 黄金: high value, high repeat;
    - meteor 流星: high value, low repeat (tries new choices, each deal brings revenue);
    - brook 小溪: low value, high repeat (a long relationship of small deals);
    - burden 负担: low value, low repeat.
    """
    if high_value:
        return "gold" if high_repeat else "meteor"
    return "brook" if high_repeat else "burden"


SIDES: dict[Quadrant, tuple[bool, bool]] = {
    q: (high_value, high_repeat)
    for high_value in (True, False)
    for high_repeat in (True, False)
    if (q := quadrant(high_value, high_repeat))
}
"""Each quadrant's (high value, high repeat), the inverse of :func:`quadrant`."""


def top_count(population: int, percent: float) -> int:
    """How many members the top ``percent`` % of ``population`` is: rounded up, so the
    top 20 % of 7 members is 2 (at least one when there is anyone)."""
    if population <= 0:
        return 0
    return max(1, math.ceil(population * percent / 100 - 1e-9))


def score_ranks(population: int, bins: int) -> list[int]:
    """Where scores 2..``bins`` start in a population of ``population`` members ranked
    worst first: score ``s`` needs at least ``k_s = ceil((s − 1) × population / bins)``
    members strictly worse. That is the scoring rule ``1 + bins × (rank − 1) // n`` read
    backwards (``rank − 1`` is how many are strictly worse), so a score follows from
    comparing a member's value with the ``k_s``-th worst value (:func:`order_fraction`)
    instead of ranking everyone."""
    return [-(-(score - 1) * population // bins) for score in range(2, bins + 1)]


def order_fraction(k: int, population: int) -> float:
    """The fraction ``p`` for which PostgreSQL's ``percentile_disc(p)`` is the ``k``-th
    value (1-based) of ``population`` sorted values: it answers the value at position
    ``ceil(p × n)``, and ``(k − ½) / n`` keeps that at ``k`` whatever the rounding of
    floating point."""
    return (k - 0.5) / population


def top_sums(
    counts: list[int], kth: dict[int, int], bounds: list[int], buckets: dict[int, tuple[int, int]]
) -> dict[int, int]:
    """The sum of the ``k`` largest values for each ``k`` in ``counts``, from ``kth`` (the
    ``k``-th largest value for each ``k``), ``bounds`` (those values, distinct, ascending)
    and ``buckets``: for each ``b``, (how many values exceed exactly ``b`` of the bounds,
    their sum). The ``k`` largest are the values above the ``k``-th largest plus as many
    copies of it as it takes to make ``k`` (ties are equal, whoever is taken)."""
    sums = {}
    for k in counts:
        above = bounds.index(kth[k]) + 1
        taken = [bucket for b, bucket in buckets.items() if b >= above]
        members = sum(n for n, _ in taken)
        sums[k] = sum(total for _, total in taken) + (k - members) * kth[k]
    return sums


def recency_days(now: datetime, last_purchase_at: datetime, zone: ZoneInfo) -> int:
    """Whole business days of ``zone`` from the last purchase's day to ``now``'s, at least
    0: the recency of RFM."""
    return max((now.astimezone(zone).date() - last_purchase_at.astimezone(zone).date()).days, 0)


def recent_since(now: datetime, days: int, zone: ZoneInfo) -> datetime | None:
    """A recency (:func:`recency_days`) is below ``days`` exactly when the last purchase is
    at or after this moment: the brand's midnight starting the day ``days − 1`` days
    before today. ``None`` when ``days`` is 0 or less: no recency is below it."""
    if days <= 0:
        return None
    day = now.astimezone(zone).date() - timedelta(days=days - 1)
    return datetime.combine(day, time(0), tzinfo=zone)


def share(part_fen: int, whole_fen: int) -> float:
    """``part / whole`` to 4 decimals; 0.0 when the whole is 0 or less."""
    return 0.0 if whole_fen <= 0 else round(part_fen / whole_fen, SHARE_DECIMALS)


def curve_percents(step_percent: int) -> list[int]:
    """The members' percentages the Pareto curve is drawn at: step, 2 × step, …, 100."""
    return [*range(step_percent, 100, step_percent), 100]


def months_back(today: date, months: int) -> date:
    """The same day ``months`` calendar months before ``today`` (the month's last day when
    it is shorter: 31 May − 3 months = 28 or 29 February)."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_first - date.resolution).day
    return date(year, month, min(today.day, last_day))


def sleeping_since(now: datetime, months: int, zone: ZoneInfo) -> datetime:
    """A member whose last purchase is before this moment has not bought for ``months``
    months (沉睡客户, seed 003): the brand's midnight starting the same calendar day
    ``months`` months ago."""
    today = now.astimezone(zone).date()
    return datetime.combine(months_back(today, months), time(0), tzinfo=zone)
