"""Pure rules of the program: what a valid ladder is.

All arithmetic is on integers (fen, points, percent); nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from services.loyalty.program.errors import InvalidLadder


@dataclass(frozen=True)
class Rung:
    """One tier of the ladder."""

    code: str
    name: str
    threshold_fen: int


def check_ladder(rungs: Sequence[Rung]) -> None:
    """A ladder has unique codes, exactly one base tier at 0, and strictly rising thresholds.

    Raises :class:`InvalidLadder` naming every fault found.
    """
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


def base_tier(ladder: Sequence[Rung]) -> Rung:
    """The tier every member starts on: the lowest one (threshold 0 on a valid ladder)."""
    return min(ladder, key=lambda rung: rung.threshold_fen)


def unknown_tiers(multipliers: Iterable[str], ladder: Sequence[Rung]) -> list[str]:
    codes = {rung.code for rung in ladder}
    return sorted(code for code in multipliers if code not in codes)
