from __future__ import annotations

import pytest

from services.loyalty.program import domain
from services.loyalty.program.domain import Rung
from services.loyalty.program.errors import InvalidLadder
from shared.inputs import (
    MAX_MULTIPLIER_PERCENT,
    MAX_POINTS_PER_SALE,
    MAX_POINTS_PER_YUAN,
    MAX_SALE_TOTAL_FEN,
)
from tests.loyalty.ladder import RUNGS


@pytest.mark.parametrize(
    ("total_fen", "per_yuan", "percent", "points"),
    [
        (120_000, 1, 100, 1_200),
        (120_000, 1, 120, 1_440),
        (12_345, 1, 150, 185),  # 185.175 rounds down
        (99, 1, 100, 0),  # less than a yuan earns nothing
        (10_050, 2, 200, 402),
        (50_000, 0, 200, 0),
        (MAX_SALE_TOTAL_FEN, MAX_POINTS_PER_YUAN, MAX_MULTIPLIER_PERCENT, MAX_POINTS_PER_SALE),
    ],
)
def test_points_for_a_purchase(total_fen: int, per_yuan: int, percent: int, points: int) -> None:
    assert domain.points_for(total_fen, per_yuan, percent) == points


def test_a_tier_without_a_multiplier_earns_the_plain_rate() -> None:
    assert domain.multiplier_of({"vip": 120}, "vip") == 120
    assert domain.multiplier_of({"vip": 120}, "standard") == 100


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
