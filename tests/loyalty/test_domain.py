from __future__ import annotations

import pytest

from services.loyalty import domain
from services.loyalty.domain import Rung
from shared.errors import Unprocessable

LADDER = [
    Rung("standard", "普通会员", 0),
    Rung("vip", "VIP贵宾", 100_000),
    Rung("star", "VIP健康之星", 500_000),
    Rung("angel", "VIP健康天使", 2_000_000),
]


@pytest.mark.parametrize(
    ("total_fen", "per_yuan", "percent", "points"),
    [
        (120_000, 1, 100, 1_200),
        (120_000, 1, 120, 1_440),
        (12_345, 1, 150, 185),  # 185.175 rounds down
        (99, 1, 100, 0),  # less than a yuan earns nothing
        (10_050, 2, 200, 402),
        (50_000, 0, 200, 0),
    ],
)
def test_points_for_a_purchase(total_fen: int, per_yuan: int, percent: int, points: int) -> None:
    assert domain.points_for(total_fen, per_yuan, percent) == points


def test_a_tier_without_a_multiplier_earns_the_plain_rate() -> None:
    assert domain.multiplier_of({"vip": 120}, "vip") == 120
    assert domain.multiplier_of({"vip": 120}, "standard") == 100


@pytest.mark.parametrize(
    ("spend", "code"),
    [
        (0, "standard"),
        (99_999, "standard"),
        (100_000, "vip"),
        (1_999_999, "star"),
        (10**9, "angel"),
    ],
)
def test_tier_for_spend(spend: int, code: str) -> None:
    assert domain.tier_for_spend(LADDER, spend).code == code


def test_next_tier_and_missing_amount() -> None:
    assert domain.next_tier(LADDER, 120_000) == (LADDER[2], 380_000)
    assert domain.next_tier(LADDER, 0) == (LADDER[1], 100_000)
    assert domain.next_tier(LADDER, 2_000_000) is None


def test_promotion_may_skip_tiers_and_never_demotes() -> None:
    promoted = domain.promotion(LADDER, "standard", 600_000)
    assert promoted is not None
    assert promoted.code == "star"
    assert domain.promotion(LADDER, "vip", 150_000) is None
    assert domain.promotion(LADDER, "star", 0) is None


def test_demotion_follows_the_remaining_spend_and_never_promotes() -> None:
    demoted = domain.demotion(LADDER, "star", 50_000)
    assert demoted is not None
    assert demoted.code == "standard"
    assert domain.demotion(LADDER, "vip", 100_000) is None
    assert domain.demotion(LADDER, "standard", 700_000) is None


def test_direction_of_a_move() -> None:
    assert domain.direction(100_000, 500_000) == "up"
    assert domain.direction(500_000, 0) == "down"


def _reversal(
    amount: int, *, returned: int = 0, reversed_: int = 0, balance: int = 10**6
) -> domain.Reversal:
    return domain.reversal_for(
        points_earned=100,
        points_reversed=reversed_,
        total_fen=30_000,
        returned_fen=returned,
        amount_fen=amount,
        balance=balance,
    )


def test_reversal_is_proportional_and_rounds_down() -> None:
    first = _reversal(10_000)  # a third of 100 points is 33.3
    assert (first.points, first.shortfall, first.returned_fen) == (33, 0, 10_000)


def test_the_return_that_completes_the_purchase_takes_the_remainder() -> None:
    last = _reversal(10_000, returned=20_000, reversed_=66)
    assert last.points == 34  # 33 + 33 + 34 = 100, nothing left behind by rounding


def test_reversals_never_exceed_what_was_earned() -> None:
    beyond = _reversal(50_000, returned=20_000, reversed_=66)  # refund larger than what is left
    assert (beyond.points, beyond.returned_fen) == (34, 10_000)
    nothing_left = _reversal(5_000, returned=30_000, reversed_=100)
    assert (nothing_left.points, nothing_left.returned_fen) == (0, 0)


def test_spent_points_are_recorded_as_shortfall_not_debt() -> None:
    spent = _reversal(30_000, balance=40)
    assert (spent.points, spent.shortfall, spent.charged) == (40, 60, 100)


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
    with pytest.raises(Unprocessable, match=message):
        domain.check_ladder(ladder)


def test_the_seeds_ladder_is_valid() -> None:
    domain.check_ladder(LADDER)
    assert domain.unknown_tiers(["vip", "gold", "angel", "bronze"], LADDER) == ["bronze", "gold"]
