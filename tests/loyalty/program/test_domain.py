from __future__ import annotations

import pytest

from services.loyalty.program import domain
from services.loyalty.program.domain import Rung
from services.loyalty.program.errors import InvalidLadder
from tests.loyalty.ladder import RUNGS


@pytest.mark.parametrize(
    ("ladder", "message"),
    [
        ([Rung("a", "A", 0), Rung("a", "B", 10)], "unique: a repeated"),
        ([Rung("a", "A", 5), Rung("b", "B", 10)], "exactly one tier must have threshold_fen 0"),
        ([Rung("a", "A", 0), Rung("b", "B", 0)], "found 2"),
        ([Rung("a", "A", 0), Rung("b", "B", 10), Rung("c", "C", 10)], "tier #3 'c'"),
    ],
)
def test_invalid_ladders_are_refused(ladder: list[Rung], message: str) -> None:
    with pytest.raises(InvalidLadder, match=message):
        domain.check_ladder(ladder)


def test_the_seeds_ladder_is_valid() -> None:
    domain.check_ladder(RUNGS)
    assert domain.unknown_tiers(["vip", "gold", "angel", "bronze"], RUNGS) == ["bronze", "gold"]
    assert domain.base_tier(list(reversed(RUNGS))).code == "standard"
