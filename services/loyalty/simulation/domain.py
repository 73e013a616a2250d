"""Pure rules of a replay: stored purchases rated again by some rules, added up.

A replay rates the purchases in the order they were rated live, and counts for the cap
per member per day what the same replay gave the member before on that day (what would
have happened under those rules). Nothing here does I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from services.loyalty.campaigns.domain import Campaign, granted, reached
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


@dataclass
class CampaignReplay:
    """Purchases replayed through a campaign's terms, in the order they were rated: the
    points it would have given (its budget drawn as live), and each member's qualifying
    spend."""

    campaign: Campaign
    budget_points: int | None
    points: int = 0
    spend: dict[uuid.UUID, int] = field(default_factory=dict)

    def add(self, member_id: uuid.UUID, sale: Sale, rules: RuleSet) -> None:
        """One more purchase, ``sale`` as ``rules`` (the version that rated it) saw it."""
        lines = rate(sale, rules).lines
        for reach in reached([self.campaign], sale, lines, rules.points_per_yuan):
            self.points += granted(reach.wanted, self.budget_points, self.points)
            self.spend[member_id] = self.spend.get(member_id, 0) + reach.qualifying_fen

    def top(self, n: int) -> list[tuple[uuid.UUID, int]]:
        """The ``n`` highest spenders, as the leaderboard ranks them (ties: lower id)."""
        return sorted(self.spend.items(), key=lambda item: (-item[1], item[0]))[:n]
