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
from datetime import date, datetime, time
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
