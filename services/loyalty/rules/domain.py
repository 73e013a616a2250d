"""Pure rules of earning: a rule set rates a sale line by line and says what each rule gave.

All arithmetic is on integers (fen, points, percent); nothing here does I/O.

How a sale is rated (:func:`rate`):

1. **Net amount of a line**: its ``amount_fen`` (after the till's discounts) less its share
   of the sale's vouchers (代金券: a voucher is a discount, not a payment). Vouchers are
   shared in proportion to the line amounts, each share rounded down, the fen left over
   going to the largest line (the lowest line number of equal ones), see
   :func:`allocate`. Points and stored value used as tender pay for the sale; they do
   not reduce what it earns on.
2. **Exclusions**: a line whose SKU is excluded, or whose category or any ancestor of it
   is, earns nothing and counts neither to the minimum spend nor to threshold bonuses.
3. **Rate**: an eligible line earns ``net_fen × points_per_yuan × multiplier / 10 000``
   points (100 fen make a yuan, 100 percent is ×1). ``multiplier`` is the **highest** of
   the multipliers that apply to the line: its SKU's, its category's or an ancestor's,
   the store's, the day's (member days) and the member's tier's. Multipliers never
   stack, so a sale can never earn more than its best rule's rate (and stays within
   ``MAX_POINTS_PER_SALE``). With none of them set, the line earns at 100 (×1); a tier
   multiplier below 100 lowers the rate only when nothing higher applies. Of equal
   percents the first in that order (SKU, category, store, day, tier) is named.
4. **Rounding**: the exact amounts of all lines are added up in ten-thousandths of a
   point and rounded down **once per sale** (a sale at one rate earns
   ``floor(net × rate × multiplier / 10 000)``, what the single earning rule gave). The
   breakdown shares that number out without losing a point: in a fixed order (the base,
   then each multiplier rule by name) each rule gets ``floor(running sum with it) −
   floor(running sum before it)``.
5. **Minimum spend**: a sale whose eligible net amount is below ``minimum_spend_fen``
   earns nothing at all (bonuses included).
6. **Threshold bonus**: the bonus of the highest threshold the eligible net amount
   reaches is added (one bonus per sale).
7. **Caps**: the points are then capped per sale, then per member per day: what the
   member earned before on the sale's day (in the brand's timezone; points earned, not
   less reversals) counts against ``cap_per_member_day``. Each cap that bites is in the
   breakdown with the points it took off (negative).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from shared.allocation import allocate

FULL_RATE_PERCENT = 100
_SCALE = 100 * 100
"""Fen per yuan × percent of ×1: an exact rate amount in ten-thousandths of a point."""


@dataclass(frozen=True)
class MemberDay:
    """Days of a higher rate ("member day"): ISO weekdays (1 = Monday), days of the month
    and dates; a day matching any of them earns at ``multiplier_percent``."""

    name: str
    multiplier_percent: int
    weekdays: frozenset[int] = frozenset()
    month_days: frozenset[int] = frozenset()
    dates: frozenset[date] = frozenset()

    def matches(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays or day.day in self.month_days or day in self.dates


@dataclass(frozen=True)
class Bonus:
    """Points added to a sale whose eligible net amount reaches ``threshold_fen``."""

    threshold_fen: int
    points: int


@dataclass(frozen=True)
class RuleSet:
    """One version of the earning rules. Multipliers are percent of the plain rate."""

    points_per_yuan: int
    tier_multipliers: Mapping[str, int] = field(default_factory=dict)
    category_multipliers: Mapping[str, int] = field(default_factory=dict)
    sku_multipliers: Mapping[str, int] = field(default_factory=dict)
    store_multipliers: Mapping[uuid.UUID, int] = field(default_factory=dict)
    member_days: tuple[MemberDay, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    excluded_categories: frozenset[str] = frozenset()
    excluded_skus: frozenset[str] = frozenset()
    minimum_spend_fen: int = 0
    cap_per_sale: int | None = None
    cap_per_member_day: int | None = None

    @property
    def caps_per_day(self) -> bool:
        return self.cap_per_member_day is not None


@dataclass(frozen=True)
class Line:
    """A sale line as the rules see it. ``categories`` is the line's category, then its
    ancestors, nearest first (empty: uncategorised)."""

    line_no: int
    sku: str
    categories: tuple[str, ...]
    amount_fen: int


@dataclass(frozen=True)
class Sale:
    """A sale to rate: its lines, the vouchers that discounted it (fen), where and on which
    day (in the brand's timezone) it was made, and the member's tier before it."""

    lines: tuple[Line, ...]
    vouchers_fen: int
    store_id: uuid.UUID
    day: date
    tier_code: str


@dataclass(frozen=True)
class Contribution:
    """Points one rule gave (negative for a cap, or a tier below ×1).

    ``rule`` names it: ``base``, ``tier:<code>``, ``category:<code>``, ``sku:<sku>``,
    ``store:<id>``, ``day:<name>``, ``bonus:<threshold_fen>``, ``minimum_spend``,
    ``cap:sale``, ``cap:member_day``; ``campaign:<id>`` for what a campaign added
    (:mod:`services.loyalty.campaigns.domain`).
    """

    rule: str
    points: int
    campaign_id: uuid.UUID | None = None
    """The campaign that gave them (``campaign:<id>``, added after the rules)."""


@dataclass(frozen=True)
class LineRating:
    line_no: int
    net_fen: int
    """The line's amount less its share of vouchers."""
    multiplier_percent: int
    """0 for an excluded line."""
    rule: str
    """The rule that set the rate (``base`` at ×1), or the exclusion (``excluded:...``)."""


@dataclass(frozen=True)
class Rating:
    points: int
    eligible_fen: int
    """The net amount of the lines that earn, compared with the minimum spend and bonuses."""
    contributions: tuple[Contribution, ...]
    lines: tuple[LineRating, ...]


def _multiplier(line: Line, sale: Sale, rules: RuleSet) -> tuple[int, str]:
    """The highest multiplier applying to the line, and the rule it comes from."""
    candidates: list[tuple[int, str]] = []
    if line.sku in rules.sku_multipliers:
        candidates.append((rules.sku_multipliers[line.sku], f"sku:{line.sku}"))
    candidates += [
        (rules.category_multipliers[code], f"category:{code}")
        for code in line.categories
        if code in rules.category_multipliers
    ]
    if sale.store_id in rules.store_multipliers:
        candidates.append((rules.store_multipliers[sale.store_id], f"store:{sale.store_id}"))
    candidates += [
        (day.multiplier_percent, f"day:{day.name}")
        for day in rules.member_days
        if day.matches(sale.day)
    ]
    if sale.tier_code in rules.tier_multipliers:
        candidates.append((rules.tier_multipliers[sale.tier_code], f"tier:{sale.tier_code}"))
    if not candidates:
        return FULL_RATE_PERCENT, "base"
    best = max(percent for percent, _ in candidates)
    return best, next(rule for percent, rule in candidates if percent == best)


def _excluded_by(line: Line, rules: RuleSet) -> str | None:
    if line.sku in rules.excluded_skus:
        return f"excluded:sku:{line.sku}"
    category = next((code for code in line.categories if code in rules.excluded_categories), None)
    return f"excluded:category:{category}" if category is not None else None


def _shared_out(exact: Iterable[tuple[str, int]]) -> list[Contribution]:
    """Whole points per rule from exact amounts (ten-thousandths of a point), adding up to
    the floor of their sum: each gets floor(running sum with it) − floor(running sum before)."""
    shares: list[Contribution] = []
    running = 0
    for rule, amount in exact:
        before = running // _SCALE
        running += amount
        shares.append(Contribution(rule, running // _SCALE - before))
    return shares


def rate(sale: Sale, rules: RuleSet, *, earned_today: int = 0) -> Rating:
    """Points the rules give for the sale (see the module for every step).

    ``earned_today`` is what the member earned before on the sale's day, for the cap per
    member per day (0 when the rules have none).
    """
    shares = allocate([line.amount_fen for line in sale.lines], sale.vouchers_fen)
    base_exact = 0
    extra_exact: dict[str, int] = {}
    rated: list[LineRating] = []
    eligible = 0
    for line, share in zip(sale.lines, shares, strict=True):
        net = line.amount_fen - share
        excluded = _excluded_by(line, rules)
        if excluded is not None:
            rated.append(LineRating(line.line_no, net, 0, excluded))
            continue
        eligible += net
        percent, rule = _multiplier(line, sale, rules)
        rated.append(LineRating(line.line_no, net, percent, rule))
        base_exact += net * rules.points_per_yuan * FULL_RATE_PERCENT
        if percent != FULL_RATE_PERCENT:
            extra = net * rules.points_per_yuan * (percent - FULL_RATE_PERCENT)
            extra_exact[rule] = extra_exact.get(rule, 0) + extra
    if eligible < rules.minimum_spend_fen:
        return Rating(0, eligible, (Contribution("minimum_spend", 0),), tuple(rated))
    contributions = _shared_out([("base", base_exact), *sorted(extra_exact.items())])
    reached = [bonus for bonus in rules.bonuses if eligible >= bonus.threshold_fen]
    if reached:
        best = max(reached, key=lambda bonus: bonus.threshold_fen)
        contributions.append(Contribution(f"bonus:{best.threshold_fen}", best.points))
    points = sum(contribution.points for contribution in contributions)
    for rule, cap in (
        ("cap:sale", rules.cap_per_sale),
        ("cap:member_day", _room(rules.cap_per_member_day, earned_today)),
    ):
        if cap is not None and points > cap:
            contributions.append(Contribution(rule, cap - points))
            points = cap
    kept = tuple(c for c in contributions if c.points != 0 or c.rule == "base")
    return Rating(points, eligible, kept, tuple(rated))


def _room(cap: int | None, earned_today: int) -> int | None:
    return None if cap is None else max(0, cap - earned_today)
