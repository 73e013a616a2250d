"""Pure rules of lottery draws: which prize a random value picks, where a prize out of
quota falls, how many chances a purchase earns and what a return takes back, and the
brand's day a quota counts.

Probabilities are integers in parts per :data:`WHOLE` (10,000: 1 part = 0.01%); the
prizes' sum is at most the whole and the rest is "no prize". Spend is in fen. Nothing here
does I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

WHOLE = 10_000
"""Probabilities are parts per ten thousand."""

PrizeKind = Literal["coupon", "points", "gift"]
Fallback = Literal["next", "none"]
"""Where a prize out of today's quota falls: the next lower prize (by rank), or no prize."""
EarnKind = Literal["per_sale", "per_spend"]


@dataclass(frozen=True)
class Prize:
    """A prize of a campaign; ``rank`` 1 is the top prize."""

    prize_id: uuid.UUID
    rank: int
    probability: int
    daily_quota: int
    fallback: Fallback


@dataclass(frozen=True)
class EarnRule:
    """``per_sale``: one chance per sale of at least ``spend_fen``; ``per_spend``: one
    chance per whole ``spend_fen`` of a sale."""

    kind: EarnKind
    spend_fen: int


def pick(prizes: Sequence[Prize], value: int) -> Prize | None:
    """The prize ``value`` (0 to ``WHOLE`` − 1, uniform) lands on: the prizes in rank order
    take consecutive ranges of their probability's width from 0, the rest is no prize.

    With 2 prizes of 100 and 300 parts: 0–99 the first, 100–399 the second, 400–9,999 none.
    """
    if not 0 <= value < WHOLE:
        raise ValueError(f"value {value} is outside 0..{WHOLE - 1}")
    upper = 0
    for prize in sorted(prizes, key=lambda p: p.rank):
        upper += prize.probability
        if value < upper:
            return prize
    return None


def candidates(prizes: Sequence[Prize], picked: Prize | None) -> Iterator[Prize]:
    """The prizes to try in order when ``picked`` was drawn: itself, then, while the prize
    tried falls to ``next``, the next lower rank. The lowest prize's ``next`` is no
    prize."""
    ranked = sorted(prizes, key=lambda p: p.rank)
    if picked is None:
        return
    for prize in ranked[ranked.index(picked) :]:
        yield prize
        if prize.fallback != "next":
            return


def chances_for(rule: EarnRule, spend_fen: int) -> int:
    """Chances a sale of ``spend_fen`` earns: ``per_sale`` 1 when it reaches the minimum
    (else 0), ``per_spend`` ``spend_fen // rule.spend_fen``. A spend of 0 or less earns
    none."""
    if spend_fen <= 0:
        return 0
    if rule.kind == "per_sale":
        return 1 if spend_fen >= rule.spend_fen else 0
    return spend_fen // rule.spend_fen


def chances_lost(rule: EarnRule, spend_fen: int, returned_before: int, returned_now: int) -> int:
    """The chances a return of ``returned_now`` fen takes from a sale of ``spend_fen`` with
    ``returned_before`` fen returned already: what the sale earned on its net before less
    what it earns on its net after. E.g. one per 100 yuan on 350 yuan, 60 yuan returned
    before and 100 now: 2 (on 290) − 1 (on 190) = 1."""
    before = chances_for(rule, spend_fen - returned_before)
    return before - chances_for(rule, spend_fen - returned_before - returned_now)


def quota_day(at: datetime, zone: ZoneInfo) -> date:
    """The brand's calendar day of the instant ``at``: the day a draw's quota counts on."""
    return at.astimezone(zone).date()
