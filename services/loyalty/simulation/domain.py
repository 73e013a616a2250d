"""Pure rules of a replay: stored purchases rated again by some rules, added up.

A replay rates the purchases in the order they were rated live, and counts for the cap
per member per day what the same replay gave the member before on that day (what would
have happened under those rules). Nothing here does I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from services.loyalty.campaigns.domain import (
    Campaign,
    gives_coupon,
    granted,
    qualifying_left,
    reached,
    still_qualifies,
)
from services.loyalty.rules.domain import RuleSet, Sale, rate


@dataclass
class Replay:
    """Purchases replayed by ``rules``: their points in all, by rule and by member."""

    rules: RuleSet
    points: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    by_member: dict[uuid.UUID, int] = field(default_factory=dict)
    _earned_on: dict[tuple[uuid.UUID, date], int] = field(default_factory=dict)

    def add(self, member_id: uuid.UUID, sale: Sale) -> int:
        """Rates one more purchase; its points."""
        key = (member_id, sale.day)
        rating = rate(sale, self.rules, earned_today=self._earned_on.get(key, 0))
        self._earned_on[key] = self._earned_on.get(key, 0) + rating.points
        self.points += rating.points
        self.by_member[member_id] = self.by_member.get(member_id, 0) + rating.points
        for contribution in rating.contributions:
            self.by_rule[contribution.rule] = (
                self.by_rule.get(contribution.rule, 0) + contribution.points
            )
        return rating.points


def members_affected(candidate: Replay, in_force: Replay) -> int:
    """Members whose points differ between the two replays of the same purchases."""
    members = candidate.by_member.keys() | in_force.by_member.keys()
    return sum(1 for m in members if candidate.by_member.get(m, 0) != in_force.by_member.get(m, 0))


def coupons_left(
    *,
    quantity: int | None,
    budget_fen: int | None,
    face_value_fen: int,
    issued: int,
    ended: bool,
) -> int | None:
    """Coupons a definition can still grant (None: no bound): what its ``quantity`` and its
    ``budget_fen`` (``face_value_fen`` each) leave of them after ``issued``; 0 once its
    validity has ``ended``."""
    if ended:
        return 0
    bounds = [bound - issued for bound in (quantity,) if bound is not None]
    if budget_fen is not None:
        bounds.append(budget_fen // face_value_fen - issued)
    return max(0, min(bounds)) if bounds else None


@dataclass
class Giveaway:
    """What bounds a dry run's coupons as a live giveaway is bounded: the campaign's
    ``giveaway_quantity`` and the definition's coupons left (None: no bound), and the
    definition's per-member limit less what each member holds of it now."""

    quantity: int | None
    definition_left: int | None
    per_member_limit: int
    held: dict[uuid.UUID, int]

    def take(self, member_id: uuid.UUID) -> bool:
        """One coupon for the member if every bound allows it (then drawn from each)."""
        held = self.held.get(member_id, 0)
        if self.quantity == 0 or self.definition_left == 0 or held >= self.per_member_limit:
            return False
        if self.quantity is not None:
            self.quantity -= 1
        if self.definition_left is not None:
            self.definition_left -= 1
        self.held[member_id] = held + 1
        return True


@dataclass
class CampaignReplay:
    """Purchases replayed through a campaign's terms, in the order they were rated.

    Each purchase draws what it would have drawn at the sale, before any return: the
    budget's points, and a giveaway's coupon (within ``giveaway``). What its returns took
    back then counts as live: a return takes its share of the purchase's qualifying spend
    in proportion to the refund, rounded down (so a sale returned in full or voided has
    none left), which is what ranks members and counts them reached; a coupon whose
    purchase ends below the threshold is counted as taken back (live, if still unused)."""

    campaign: Campaign
    budget_points: int | None
    giveaway: Giveaway | None = None
    points: int = 0
    coupons: int = 0
    coupons_taken_back: int = 0
    spend: dict[uuid.UUID, int] = field(default_factory=dict)

    def add(
        self,
        member_id: uuid.UUID,
        sale: Sale,
        rules: RuleSet,
        *,
        total_fen: int,
        returned_fen: int,
    ) -> None:
        """One more purchase, ``sale`` as ``rules`` (the version that rated it) saw it, of
        which ``returned_fen`` of ``total_fen`` was returned since."""
        lines = rate(sale, rules).lines
        for reach in reached([self.campaign], sale, lines, rules.points_per_yuan):
            self.points += granted(reach.wanted, self.budget_points, self.points)
            left = qualifying_left(reach.qualifying_fen, total_fen, returned_fen)
            self.spend[member_id] = self.spend.get(member_id, 0) + left
            if self._gives(member_id, reach.qualifying_fen):
                self.coupons += 1
                threshold = self.campaign.giveaway_threshold_fen or 0
                if not still_qualifies(threshold, reach.qualifying_fen, total_fen, returned_fen):
                    self.coupons_taken_back += 1

    def _gives(self, member_id: uuid.UUID, qualifying_fen: int) -> bool:
        return (
            self.giveaway is not None
            and gives_coupon(self.campaign, qualifying_fen)
            and self.giveaway.take(member_id)
        )

    @property
    def members_reached(self) -> int:
        """Members with qualifying spend left after their returns."""
        return sum(1 for fen in self.spend.values() if fen > 0)

    def top(self, n: int) -> list[tuple[uuid.UUID, int]]:
        """The ``n`` highest spenders net of returns, as the leaderboard ranks them (ties:
        the lower id; members with nothing left out)."""
        left = [(member, fen) for member, fen in self.spend.items() if fen > 0]
        return sorted(left, key=lambda item: (-item[1], item[0]))[:n]
