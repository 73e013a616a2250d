from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.loyalty.tiers import domain
from services.loyalty.tiers.errors import QualifyingSpendLimitReached
from shared.inputs import MAX_RUNNING_FEN
from tests.loyalty.ladder import RUNGS as LADDER


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
    reached = domain.tier_for_spend(LADDER, 600_000)
    promoted = domain.promotion(LADDER, "standard", reached)
    assert promoted is not None
    assert promoted.code == "star"
    assert domain.promotion(LADDER, "vip", domain.tier_for_spend(LADDER, 150_000)) is None
    assert domain.promotion(LADDER, "star", domain.tier_for_spend(LADDER, 0)) is None
    assert domain.promotion(LADDER, "gone", LADDER[0]) == LADDER[0]


def test_demotion_follows_the_remaining_spend_and_never_promotes() -> None:
    demoted = domain.demotion(LADDER, "star", domain.tier_for_spend(LADDER, 50_000))
    assert demoted is not None
    assert demoted.code == "standard"
    assert domain.demotion(LADDER, "vip", domain.tier_for_spend(LADDER, 100_000)) is None
    assert domain.demotion(LADDER, "standard", domain.tier_for_spend(LADDER, 700_000)) is None


def test_direction_of_a_move() -> None:
    assert domain.direction(100_000, 500_000) == "up"
    assert domain.direction(500_000, 0) == "down"


def test_the_qualifying_spend_stops_at_its_cap() -> None:
    assert domain.spend_after_purchase(MAX_RUNNING_FEN - 10, 10) == MAX_RUNNING_FEN
    with pytest.raises(QualifyingSpendLimitReached, match=f"past {MAX_RUNNING_FEN} fen"):
        domain.spend_after_purchase(MAX_RUNNING_FEN - 10, 11)


_ENDS = datetime(2027, 2, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("current", "assigned_until", "gives"),
    [
        ("standard", None, True),  # a higher tier
        ("vip", _ENDS + timedelta(days=400), True),  # higher, whatever the hold
        ("star", None, True),  # the same tier, now held until the award ends
        ("star", _ENDS - timedelta(seconds=1), True),  # held longer
        ("star", _ENDS, False),  # held as long already
        ("angel", None, False),  # above it: never lowered
        ("gone", None, True),  # a tier off the ladder ranks below all
    ],
)
def test_an_award_gives_a_higher_tier_or_a_longer_hold_and_never_lowers(
    current: str, assigned_until: datetime | None, gives: bool
) -> None:
    star = LADDER[2]
    assert domain.award_gives(LADDER, current, assigned_until, star, _ENDS) is gives


def test_an_assignment_ends_at_the_brand_midnight_after_its_last_day() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    assert domain.day_end(date(2028, 2, 28), zone) == datetime(2028, 2, 29, tzinfo=zone)
    assert domain.day_end(date(2027, 12, 31), zone) == datetime(2028, 1, 1, tzinfo=zone)
