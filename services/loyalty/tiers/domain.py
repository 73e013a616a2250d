"""Pure rules of tier standing: the tier a spend reaches, promotion and demotion.

All arithmetic is on integers (fen); nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from services.loyalty.program.domain import Rung
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
