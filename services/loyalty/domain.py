"""Pure rules of the loyalty program: points for a purchase, tiers for a spend, reversals.

All arithmetic is on integers (fen, points, percent); nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from services.loyalty.errors import InvalidLadder

Direction = Literal["up", "down"]
FULL_RATE_PERCENT = 100


@dataclass(frozen=True)
class Rung:
    """One tier of the ladder."""

    code: str
    name: str
    threshold_fen: int


def check_ladder(rungs: Sequence[Rung]) -> None:
    """A ladder has unique codes, exactly one base tier at 0, and strictly rising thresholds."""
    problems: list[str] = []
    codes = [rung.code for rung in rungs]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        problems.append(f"tier codes must be unique: {', '.join(duplicates)} repeated")
    bases = [rung.code for rung in rungs if rung.threshold_fen == 0]
    if len(bases) != 1:
        problems.append(
            f"exactly one tier must have threshold_fen 0 (the base tier); found {len(bases)}"
        )
    for index, (lower, upper) in enumerate(pairwise(rungs), start=2):
        if upper.threshold_fen <= lower.threshold_fen:
            problems.append(
                f"thresholds must rise strictly in list order: tier #{index} {upper.code!r} "
                f"({upper.threshold_fen}) is not above {lower.code!r} ({lower.threshold_fen})"
            )
    if problems:
        raise InvalidLadder("The tier ladder is invalid: " + "; ".join(problems))


def unknown_tiers(multipliers: Iterable[str], ladder: Sequence[Rung]) -> list[str]:
    codes = {rung.code for rung in ladder}
    return sorted(code for code in multipliers if code not in codes)


def points_for(total_fen: int, points_per_yuan: int, multiplier_percent: int) -> int:
    """Points for a purchase: 100 fen make a yuan, and 100 percent is ×1, rounded down."""
    return (total_fen * points_per_yuan * multiplier_percent) // 10_000


def multiplier_of(multipliers: Mapping[str, int], tier_code: str) -> int:
    """A tier without a multiplier in the earning rule earns at the plain rate."""
    return multipliers.get(tier_code, FULL_RATE_PERCENT)


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


def _rank(ladder: Sequence[Rung], code: str) -> int:
    """A tier's threshold; a code that is no longer on the ladder ranks below every tier."""
    return next((rung.threshold_fen for rung in ladder if rung.code == code), -1)


def promotion(ladder: Sequence[Rung], current: str, spend_fen: int) -> Rung | None:
    """After spending: the higher tier reached, if any (possibly skipping tiers)."""
    reached = tier_for_spend(ladder, spend_fen)
    return reached if reached.threshold_fen > _rank(ladder, current) else None


def demotion(ladder: Sequence[Rung], current: str, spend_fen: int) -> Rung | None:
    """After a return: the lower tier the remaining spend qualifies for, if lower."""
    reached = tier_for_spend(ladder, spend_fen)
    if reached.code == current:
        return None
    return reached if reached.threshold_fen < _rank(ladder, current) else None


def direction(old_threshold_fen: int, new_threshold_fen: int) -> Direction:
    """Only a move to a higher threshold counts as an upgrade (and is announced)."""
    return "up" if new_threshold_fen > old_threshold_fen else "down"


@dataclass(frozen=True)
class Reversal:
    points: int
    """Points taken back from the balance."""
    shortfall: int
    """Points that should have been taken back but were already spent."""
    charged: int
    """Points this return accounts for on the purchase (``points + shortfall``)."""
    returned_fen: int
    """The part of the refund that still counted against the purchase."""


def reversal_for(
    *,
    points_earned: int,
    points_reversed: int,
    total_fen: int,
    returned_fen: int,
    amount_fen: int,
    balance: int,
) -> Reversal:
    """Points to take back for a return of ``amount_fen`` of a purchase.

    The reversal is ``floor(points_earned × amount / total)``; the purchase's reversals never
    add up to more than it earned, and the return that completes the purchase takes back
    whatever remains, so rounding leaves nothing behind.

    The balance never goes below zero: if the member already spent the points, only what
    the balance holds is taken back and the rest is recorded as ``shortfall`` on the ledger
    entry (for staff to follow up), not carried as a debt. The shortfall still counts as
    reversed for the purchase, so a later return of the same purchase does not claim it again.
    """
    counted = min(amount_fen, total_fen - returned_fen)
    remaining_points = points_earned - points_reversed
    if total_fen == 0 or returned_fen + counted >= total_fen:
        wanted = remaining_points
    else:
        wanted = min(points_earned * counted // total_fen, remaining_points)
    taken = min(wanted, balance)
    return Reversal(points=taken, shortfall=wanted - taken, charged=wanted, returned_fen=counted)
