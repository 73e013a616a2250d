"""Pure rules of tier standing: the tier a spend reaches, promotion and demotion.

All arithmetic is on integers (fen); nothing here does I/O.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from services.loyalty.program.domain import Rung, base_tier
from services.loyalty.tiers.errors import QualifyingSpendLimitReached
from shared.inputs import MAX_RUNNING_FEN

Direction = Literal["up", "down"]


def tier_for_spend(ladder: Sequence[Rung], spend_fen: int) -> Rung:
    """The highest tier whose threshold the spend reaches (the base tier at least)."""
    reached = [rung for rung in ladder if rung.threshold_fen <= spend_fen]
    return max(reached or ladder, key=lambda rung: rung.threshold_fen)


def next_tier(ladder: Sequence[Rung], spend_fen: int) -> tuple[Rung, int] | None:
    """The lowest tier still above the spend and how many fen are missing to reach it."""
    above = [rung for rung in ladder if rung.threshold_fen > spend_fen]
    if not above:
        return None
    target = min(above, key=lambda rung: rung.threshold_fen)
    return target, target.threshold_fen - spend_fen


def rank(ladder: Sequence[Rung], code: str) -> int:
    """A tier's threshold; a code that is no longer on the ladder ranks below every tier."""
    return next((rung.threshold_fen for rung in ladder if rung.code == code), -1)


def promotion(ladder: Sequence[Rung], current: str, reached: Rung) -> Rung | None:
    """The tier reached if it is above the current one (possibly skipping tiers)."""
    return reached if reached.threshold_fen > rank(ladder, current) else None


def demotion(ladder: Sequence[Rung], current: str, reached: Rung) -> Rung | None:
    """The tier reached if it is below the current one."""
    if reached.code == current:
        return None
    return reached if reached.threshold_fen < rank(ladder, current) else None


def direction(old_threshold_fen: int, new_threshold_fen: int) -> Direction:
    """Only a move to a higher threshold counts as an upgrade (and is announced)."""
    return "up" if new_threshold_fen > old_threshold_fen else "down"


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The end of ``day`` in ``zone``: the next midnight there (a manual assignment whose
    last day is ``day`` ends then)."""
    return datetime.combine(day + timedelta(days=1), time(), zone)


def award_gives(
    ladder: Sequence[Rung], current: str, assigned_until: datetime | None, to: Rung, ends: datetime
) -> bool:
    """Whether placing a member on ``current`` (held by assignment until ``assigned_until``,
    None when qualified for) on ``to`` until ``ends`` gives them anything: a higher tier,
    or the same tier held for longer. An award never lowers a member: one above ``to``
    keeps their tier."""
    held = rank(ladder, current)
    if held != to.threshold_fen:
        return held < to.threshold_fen
    return assigned_until is None or assigned_until < ends


def spend_after_purchase(spend_fen: int, total_fen: int) -> int:
    """The qualifying spend with a purchase added; raises
    :class:`QualifyingSpendLimitReached` past ``MAX_RUNNING_FEN``."""
    after = spend_fen + total_fen
    if after > MAX_RUNNING_FEN:
        raise QualifyingSpendLimitReached(
            f"a purchase of {total_fen} fen would take the qualifying spend of {spend_fen} fen "
            f"past {MAX_RUNNING_FEN} fen"
        )
    return after


# --- qualification policies: what counts, over which window, and the review at its end ---

QualifyBy = Literal["spend", "purchases", "spend_and_purchases", "spend_or_purchases"]
Window = Literal["lifetime", "calendar_year", "rolling_months"]


@dataclass(frozen=True)
class Policy:
    """How members qualify for tiers.

    ``qualify_by``: the tier's spend threshold (``threshold_fen`` on the ladder), its
    purchase-count threshold (``purchase_thresholds``), both, or either. A tier without a
    purchase threshold cannot be reached by count. ``window``: ``lifetime`` (today's rule:
    promoted at once, demoted at once by a return), a ``calendar_year`` in the brand's
    timezone, or ``rolling_months`` (``window_months``). Under a window a tier reached is
    reviewed at the end of its period and kept ``grace_periods`` periods more when the
    period did not qualify for it.
    """

    qualify_by: QualifyBy = "spend"
    window: Window = "lifetime"
    window_months: int | None = None
    grace_periods: int = 0
    purchase_thresholds: Mapping[str, int] = field(default_factory=dict)

    @property
    def windowed(self) -> bool:
        return self.window != "lifetime"

    @property
    def counts_purchases(self) -> bool:
        return self.qualify_by != "spend"


@dataclass(frozen=True)
class Measures:
    """What a member did in a window: net spend (fen, after returns) and purchases that
    still count (not returned in full)."""

    spend_fen: int
    purchases: int


def qualifies(rung: Rung, base: Rung, policy: Policy, measures: Measures) -> bool:
    """Whether the measures reach ``rung`` under the policy (the base tier always)."""
    if rung.code == base.code:
        return True
    by_spend = measures.spend_fen >= rung.threshold_fen
    count = policy.purchase_thresholds.get(rung.code)
    by_count = count is not None and measures.purchases >= count
    match policy.qualify_by:
        case "spend":
            return by_spend
        case "purchases":
            return by_count
        case "spend_and_purchases":
            return by_spend and by_count
        case "spend_or_purchases":
            return by_spend or by_count


def tier_reached(ladder: Sequence[Rung], policy: Policy, measures: Measures) -> Rung:
    """The highest tier (by rank on the ladder) the measures qualify for."""
    base = base_tier(ladder)
    return max(
        (rung for rung in ladder if qualifies(rung, base, policy, measures)),
        key=lambda rung: rung.threshold_fen,
    )


def check_policy(policy: Policy, ladder: Sequence[Rung]) -> list[str]:
    """What is wrong with a policy on this ladder, one sentence each (empty: valid)."""
    problems: list[str] = []
    if (policy.window == "rolling_months") != (policy.window_months is not None):
        problems.append("window_months is given exactly when window is rolling_months")
    ranked = {rung.code: rung for rung in ladder}
    unknown = sorted(code for code in policy.purchase_thresholds if code not in ranked)
    if unknown:
        problems.append(f"purchase_thresholds names tiers not on the ladder: {', '.join(unknown)}")
    base = base_tier(ladder)
    if base.code in policy.purchase_thresholds:
        problems.append(f"the base tier {base.code!r} takes no purchase threshold")
    listed = [r for r in ladder if r.code in policy.purchase_thresholds and r.code != base.code]
    listed.sort(key=lambda rung: rung.threshold_fen)
    for lower, upper in pairwise(listed):
        if policy.purchase_thresholds[upper.code] <= policy.purchase_thresholds[lower.code]:
            problems.append(
                f"purchase thresholds must rise with the ladder: {upper.code!r} "
                f"({policy.purchase_thresholds[upper.code]}) is not above {lower.code!r} "
                f"({policy.purchase_thresholds[lower.code]})"
            )
    if policy.qualify_by in ("purchases", "spend_and_purchases"):
        missing = [
            r.code
            for r in ladder
            if r.code != base.code and r.code not in policy.purchase_thresholds
        ]
        if missing:
            problems.append(
                f"qualify_by {policy.qualify_by} needs a purchase threshold for every tier "
                f"above the base; missing: {', '.join(missing)}"
            )
    return problems


def add_months(moment: datetime, months: int) -> datetime:
    """The same local time ``months`` later, on the same day of the month or the month's
    last day when it is shorter (31 January + 1 month = 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def window_start(policy: Policy, end: datetime, zone: ZoneInfo) -> datetime | None:
    """The start of the qualifying window that ends at ``end`` (None: lifetime). A calendar
    year's window is the brand's-timezone year that the instant before ``end`` falls in."""
    local = end.astimezone(zone)
    match policy.window:
        case "lifetime":
            return None
        case "calendar_year":
            year = (local - timedelta(microseconds=1)).year
            return datetime(year, 1, 1, tzinfo=zone)
        case "rolling_months":
            assert policy.window_months is not None
            return add_months(local, -policy.window_months)


def period_end(policy: Policy, start: datetime, zone: ZoneInfo) -> datetime | None:
    """When a tier reached (or reviewed) at ``start`` is reviewed next: the next 1 January
    (brand's timezone) for a calendar year, ``window_months`` later for a rolling window,
    never (None) under the lifetime policy."""
    local = start.astimezone(zone)
    match policy.window:
        case "lifetime":
            return None
        case "calendar_year":
            return datetime(local.year + 1, 1, 1, tzinfo=zone)
        case "rolling_months":
            assert policy.window_months is not None
            return add_months(local, policy.window_months)


@dataclass(frozen=True)
class Review:
    """A standing after the review at the end of its period."""

    tier: Rung
    grace_used: int
    changed: bool


def review(
    ladder: Sequence[Rung], policy: Policy, current: str, grace_used: int, reached: Rung
) -> Review:
    """The review of a tier at its period end, ``reached`` being what the period's measures
    qualify for. Reaching the tier (or a higher one) keeps it (or promotes) and restores the
    grace; falling short keeps it while grace periods are left (``grace_used`` counts those
    taken), then places the member on the tier reached."""
    held = next((rung for rung in ladder if rung.code == current), None)
    if held is not None and reached.threshold_fen <= held.threshold_fen:
        if reached.code == held.code:
            return Review(held, 0, changed=False)
        if grace_used < policy.grace_periods:
            return Review(held, grace_used + 1, changed=False)
    return Review(reached, 0, changed=held is None or reached.code != held.code)
