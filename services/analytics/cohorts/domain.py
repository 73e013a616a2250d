"""Seed 003's KPIs of a campaign's cohort, each formula once. Pure, no I/O.

Source: seed ``003_1fb101a540196b54.txt`` (客户维系活动方案, section 八 效果评估指标):

- 满意度 satisfaction = (very satisfied + satisfied participants) / all participants;
- 重复购买率 repeat purchase rate = participants who bought again after the campaign /
  participants;
- 流失率 churn rate = participants who stopped buying after it / participants;
- 推荐率 referral rate = participants who brought in a new customer / participants;
- 互动频率 interaction frequency: contacts with the brand per member per month;
- 销售业绩 sales before vs after (here before, during and after, in equal windows).

Rates are ratios rounded to 4 decimals (0.0 for an empty cohort); money is integer fen;
windows are whole days of the brand's business timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

RATE_DECIMALS = 4
MAX_CAMPAIGN_DAYS = 366
DAYS_PER_MONTH = 30
"""A month of the interaction frequency is 30 days, so windows of any length compare."""
SATISFIED_SCORES = (4, 5)
"""A survey score (1 very dissatisfied … 5 very satisfied) counted as satisfied."""


def ratio(part: int, whole: int) -> float:
    """``part / whole`` rounded to 4 decimals; 0.0 when ``whole`` is 0."""
    return 0.0 if whole <= 0 else round(part / whole, RATE_DECIMALS)


def satisfaction(satisfied: int, participants: int) -> float:
    """(very satisfied + satisfied) / participants: a participant counts as satisfied when
    their latest survey answer in the measured period scored 4 or 5 (seed 003)."""
    return ratio(satisfied, participants)


def repeat_purchase_rate(repeat_buyers: int, participants: int) -> float:
    """Participants who bought in the after window having bought before it (any time up
    to the campaign's end) / participants (seed 003)."""
    return ratio(repeat_buyers, participants)


def churn_rate(churned: int, participants: int) -> float:
    """Participants who had bought by the campaign's end and bought nothing in the
    ``churn_days`` after it / participants (seed 003)."""
    return ratio(churned, participants)


def referral_rate(referrers: int, participants: int) -> float:
    """Participants who brought in at least one friend whose first paid purchase fell from
    the campaign's start to the after window's end / participants (seed 003)."""
    return ratio(referrers, participants)


def interaction_frequency(interactions: int, participants: int, days: int) -> float:
    """Interactions per participant per 30-day month over a window of ``days`` days,
    4 decimals; 0.0 for an empty cohort."""
    if participants <= 0 or days <= 0:
        return 0.0
    return round(interactions * DAYS_PER_MONTH / (participants * days), RATE_DECIMALS)


def sales_lift(baseline_fen: int, compared_fen: int) -> float | None:
    """``compared / baseline − 1``, 4 decimals: +0.25 is 25 % more sales than in the
    window before; ``None`` when the window before sold nothing (no baseline)."""
    if baseline_fen <= 0:
        return None
    return round(compared_fen / baseline_fen - 1, RATE_DECIMALS)


@dataclass(frozen=True)
class Windows:
    """The campaign ``[during_start, after_start)`` and equal-length windows before and
    after it, plus the churn window ``[after_start, churn_end)``; aware datetimes at the
    brand's midnights."""

    days: int
    before_start: datetime
    during_start: datetime
    after_start: datetime
    after_end: datetime
    churn_end: datetime


def windows(first: date, last: date, churn_days: int | None, zone: ZoneInfo) -> Windows:
    """The windows of a campaign from ``first`` to ``last`` (both included, business days):
    ``days = last − first + 1``; before is the ``days`` days before ``first``, after the
    ``days`` days after ``last``; the churn window is ``churn_days`` (default ``days``)
    after ``last``. The caller has checked ``first <= last``."""
    days = (last - first).days + 1

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone)

    after = last + timedelta(days=1)
    return Windows(
        days=days,
        before_start=midnight(first - timedelta(days=days)),
        during_start=midnight(first),
        after_start=midnight(after),
        after_end=midnight(after + timedelta(days=days)),
        churn_end=midnight(after + timedelta(days=churn_days or days)),
    )
