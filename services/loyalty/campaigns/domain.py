"""Pure rules of campaigns (营销活动): what a campaign adds to a sale the earning rules rated.

All arithmetic is on integers (fen, points, percent); nothing here does I/O.

A campaign runs from ``starts_at`` to before ``ends_at`` (the sale's ``purchased_at``
decides). Its **scope** names categories (a line's category or any ancestor of it),
stores and tiers (the member's tier before the sale); an empty list is no restriction.
A line is **in scope** when the rules did not exclude it and its category is in scope,
in a sale whose store and tier are in scope. Its **qualifying spend** is the net amount
(after discounts and vouchers, as the rules saw it) of its lines in scope: what the
leaderboard adds up and the bonus threshold is compared with.

How a campaign combines with the rules (:func:`contribution`):

1. **Multiplier**: the rules' "highest multiplier wins" stays among the rules. A
   campaign's ``multiplier_percent`` is *added on top*: it gives the extra over ×1 of the
   base rate, ``net × points_per_yuan × (multiplier_percent − 100) / 10 000`` per line in
   scope, so a ×2 campaign doubles the base points of a member whose tier already earns
   ×1.5 (×2.5 in all), and the campaign's points are exactly its lift. The exact amounts
   of the lines are added up and rounded down once per campaign per sale.
2. **Bonus**: ``bonus_points`` once per sale whose qualifying spend reaches
   ``bonus_threshold_fen`` (and is above 0).
3. **Rules' minimum spend and caps** do not apply to a campaign's points: its budget
   bounds them. Two campaigns in force both give their own points.
4. **Giveaway**: one coupon of ``giveaway_definition_id`` per sale whose qualifying
   spend reaches ``giveaway_threshold_fen`` (:func:`gives_coupon`), while its
   ``giveaway_quantity`` and the definition's quantity, budget and per-member limit last.
   A return that leaves the purchase below the threshold (:func:`still_qualifies`) takes
   the coupon back if it is still unused; a coupon used, held or expired stays.
5. **Budget**: a campaign gives at most what is left of ``budget_points``; when it runs
   out mid-sale the sale gets what is left (:func:`granted`), and later sales nothing.
   Points reversed by a return do not go back to the budget (it bounds what was ever
   given, so it is never exceeded).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.loyalty.rules.domain import FULL_RATE_PERCENT, Line, LineRating, Sale

_SCALE = 100 * 100
"""Fen per yuan × percent of ×1, as in the rules."""


@dataclass(frozen=True)
class Scope:
    """Where a campaign applies; an empty set is no restriction."""

    categories: frozenset[str] = frozenset()
    stores: frozenset[uuid.UUID] = frozenset()
    tiers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Campaign:
    """A campaign's terms as the earn path needs them."""

    campaign_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    scope: Scope
    multiplier_percent: int | None = None
    bonus_points: int | None = None
    bonus_threshold_fen: int = 0
    giveaway_definition_id: uuid.UUID | None = None
    giveaway_threshold_fen: int | None = None

    def runs_at(self, when: datetime) -> bool:
        return self.starts_at <= when < self.ends_at

    @property
    def rule(self) -> str:
        """How its contribution is named in a breakdown."""
        return f"campaign:{self.campaign_id}"


def _in_scope(line: Line, rated: LineRating, sale: Sale, scope: Scope) -> bool:
    if rated.multiplier_percent == 0 and rated.rule.startswith("excluded:"):
        return False
    if scope.stores and sale.store_id not in scope.stores:
        return False
    if scope.tiers and sale.tier_code not in scope.tiers:
        return False
    return not scope.categories or any(code in scope.categories for code in line.categories)


def qualifying_fen(sale: Sale, lines: Sequence[LineRating], scope: Scope) -> int:
    """The net fen of the sale's lines in scope (``lines``: the rules' rating of each)."""
    return sum(
        rated.net_fen
        for line, rated in zip(sale.lines, lines, strict=True)
        if _in_scope(line, rated, sale, scope)
    )


def contribution(
    campaign: Campaign, sale: Sale, lines: Sequence[LineRating], points_per_yuan: int
) -> int:
    """Points ``campaign`` adds to the sale before its budget (see the module): the
    multiplier's extra over ×1 on the lines in scope, rounded down once, plus the bonus."""
    qualifying = qualifying_fen(sale, lines, campaign.scope)
    points = 0
    if campaign.multiplier_percent is not None:
        extra = campaign.multiplier_percent - FULL_RATE_PERCENT
        points = max(0, qualifying * points_per_yuan * extra // _SCALE)
    if (
        campaign.bonus_points is not None
        and qualifying > 0
        and qualifying >= campaign.bonus_threshold_fen
    ):
        points += campaign.bonus_points
    return points


def gives_coupon(campaign: Campaign, qualifying_fen: int) -> bool:
    """Whether a sale with ``qualifying_fen`` of the campaign's scope gets one coupon of its
    giveaway (before its quantity and the definition's limits): when it reaches the
    threshold and is above 0."""
    threshold = campaign.giveaway_threshold_fen
    return threshold is not None and qualifying_fen > 0 and qualifying_fen >= threshold


def still_qualifies(
    threshold_fen: int, qualifying_fen: int, total_fen: int, returned_fen: int
) -> bool:
    """Whether a purchase that got a giveaway's coupon still reaches its threshold once
    ``returned_fen`` of its ``total_fen`` is returned: the returned part takes its share of
    the qualifying spend in proportion to the refund, rounded down (as the leaderboard
    counts it), and what is left must still be above 0 and reach the threshold."""
    left = qualifying_left(qualifying_fen, total_fen, returned_fen)
    return left > 0 and left >= threshold_fen


def qualifying_left(qualifying_fen: int, total_fen: int, returned_fen: int) -> int:
    """A purchase's qualifying spend once ``returned_fen`` of its ``total_fen`` is returned:
    the returned part takes its share in proportion to the refund, rounded down, as the
    leaderboard counts it (0 for a purchase of 0 fen)."""
    if total_fen <= 0:
        return 0
    return qualifying_fen - qualifying_fen * min(returned_fen, total_fen) // total_fen


def granted(wanted: int, budget_points: int | None, spent_points: int) -> int:
    """Of ``wanted`` points, what a budget with ``spent_points`` used gives (None: no
    budget): all of it while it lasts, what is left when it runs out, then 0."""
    if budget_points is None:
        return wanted
    return max(0, min(wanted, budget_points - spent_points))


@dataclass(frozen=True)
class Reach:
    """A campaign running for a sale: the sale's qualifying spend and the points it would
    add before its budget."""

    campaign: Campaign
    qualifying_fen: int
    wanted: int


def reached(
    campaigns: Iterable[Campaign], sale: Sale, lines: Sequence[LineRating], points_per_yuan: int
) -> list[Reach]:
    """The campaigns the sale has qualifying spend for (in the given order), with what
    each would add; the others are left out."""
    reaches: list[Reach] = []
    for campaign in campaigns:
        qualifying = qualifying_fen(sale, lines, campaign.scope)
        if qualifying > 0:
            wanted = contribution(campaign, sale, lines, points_per_yuan)
            reaches.append(Reach(campaign, qualifying, wanted))
    return reaches
