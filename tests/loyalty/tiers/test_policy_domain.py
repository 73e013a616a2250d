"""Qualification policies, windows and the review at a period's end, by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.tiers import domain
from services.loyalty.tiers.domain import Measures, Policy
from tests.loyalty.ladder import RUNGS as LADDER

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTS = {"vip": 5, "star": 12, "angel": 30}


def reached(policy: Policy, spend: int, purchases: int) -> str:
    return domain.tier_reached(LADDER, policy, Measures(spend, purchases)).code


def test_lifetime_spend_is_the_default_and_ignores_counts() -> None:
    assert (Policy().qualify_by, Policy().window) == ("spend", "lifetime")
    assert reached(Policy(), 100_000, 0) == "vip"
    assert reached(Policy(purchase_thresholds=COUNTS), 99_999, 1_000) == "standard"


@pytest.mark.parametrize(
    ("qualify_by", "spend", "purchases", "code"),
    [
        ("purchases", 0, 5, "vip"),
        ("purchases", 10**9, 4, "standard"),
        ("purchases", 0, 12, "star"),
        ("spend_and_purchases", 600_000, 5, "vip"),  # star's spend, vip's count
        ("spend_and_purchases", 100_000, 30, "vip"),  # angel's count, vip's spend
        ("spend_or_purchases", 600_000, 5, "star"),
        ("spend_or_purchases", 100_000, 30, "angel"),
        ("spend_or_purchases", 0, 0, "standard"),
    ],
)
def test_counts_and_spend_combine_as_the_basis_says(
    qualify_by: domain.QualifyBy, spend: int, purchases: int, code: str
) -> None:
    policy = Policy(qualify_by=qualify_by, purchase_thresholds=COUNTS)
    assert reached(policy, spend, purchases) == code


def test_a_tier_without_a_purchase_threshold_is_not_reached_by_count() -> None:
    policy = Policy(qualify_by="spend_or_purchases", purchase_thresholds={"vip": 5})
    assert reached(policy, 0, 10_000) == "vip"


def test_check_policy_names_each_fault() -> None:
    assert domain.check_policy(Policy(), LADDER) == []
    problems = domain.check_policy(
        Policy(
            qualify_by="purchases",
            window="rolling_months",
            purchase_thresholds={"standard": 1, "vip": 10, "star": 10, "gold": 3},
        ),
        LADDER,
    )
    assert problems == [
        "window_months is given exactly when window is rolling_months",
        "purchase_thresholds names tiers not on the ladder: gold",
        "the base tier 'standard' takes no purchase threshold",
        "purchase thresholds must rise with the ladder: 'star' (10) is not above 'vip' (10)",
        "qualify_by purchases needs a purchase threshold for every tier above the base; "
        "missing: angel",
    ]
    assert domain.check_policy(Policy(window="calendar_year", window_months=12), LADDER) == [
        "window_months is given exactly when window is rolling_months"
    ]


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9), 1, datetime(2026, 2, 28, 9)),
        (datetime(2024, 1, 31, 9), 1, datetime(2024, 2, 29, 9)),
        (datetime(2026, 11, 30), 3, datetime(2027, 2, 28)),
        (datetime(2026, 3, 15), -12, datetime(2025, 3, 15)),
        (datetime(2026, 3, 31), -1, datetime(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(
    moment: datetime, months: int, expected: datetime
) -> None:
    assert domain.add_months(moment, months) == expected


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)))
def test_add_months_then_back_never_lands_later(moment: datetime) -> None:
    there = domain.add_months(moment, 7)
    assert there > moment
    assert domain.add_months(there, -7) <= moment


def test_calendar_year_window_and_period_in_the_brands_timezone() -> None:
    policy = Policy(window="calendar_year")
    # 2026-12-31 17:00 UTC is already 1 January 2027 in Shanghai
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert domain.period_end(policy, new_year, SHANGHAI) == datetime(2028, 1, 1, tzinfo=SHANGHAI)
    assert domain.window_start(policy, new_year, SHANGHAI) == datetime(2027, 1, 1, tzinfo=SHANGHAI)
    # the window ending at midnight starting 2027 is the whole of 2026
    midnight = datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert domain.window_start(policy, midnight, SHANGHAI) == datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert domain.period_end(policy, datetime(2026, 6, 1, tzinfo=UTC), SHANGHAI) == midnight


def test_rolling_window_and_period() -> None:
    policy = Policy(window="rolling_months", window_months=12)
    at = datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI)
    assert domain.window_start(policy, at, SHANGHAI) == datetime(2025, 5, 20, 10, tzinfo=SHANGHAI)
    assert domain.period_end(policy, at, SHANGHAI) == datetime(2027, 5, 20, 10, tzinfo=SHANGHAI)


def test_lifetime_has_no_window_and_no_period() -> None:
    at = datetime(2026, 5, 20, tzinfo=UTC)
    assert domain.window_start(Policy(), at, SHANGHAI) is None
    assert domain.period_end(Policy(), at, SHANGHAI) is None


def test_review_keeps_a_tier_requalified_for() -> None:
    policy = Policy(window="calendar_year", grace_periods=1)
    kept = domain.review(LADDER, policy, "star", 1, LADDER[2])
    assert (kept.tier.code, kept.grace_used, kept.changed) == ("star", 0, False)


def test_review_grants_grace_then_demotes_to_what_was_reached() -> None:
    policy = Policy(window="calendar_year", grace_periods=1)
    first = domain.review(LADDER, policy, "star", 0, LADDER[1])
    assert (first.tier.code, first.grace_used, first.changed) == ("star", 1, False)
    second = domain.review(LADDER, policy, "star", first.grace_used, LADDER[0])
    assert (second.tier.code, second.grace_used, second.changed) == ("standard", 0, True)


def test_review_without_grace_demotes_at_once_and_promotes_a_missed_tier() -> None:
    policy = Policy(window="rolling_months", window_months=6)
    down = domain.review(LADDER, policy, "angel", 0, LADDER[1])
    assert (down.tier.code, down.changed) == ("vip", True)
    up = domain.review(LADDER, policy, "vip", 0, LADDER[2])
    assert (up.tier.code, up.changed) == ("star", True)
    gone = domain.review(LADDER, policy, "gold", 0, LADDER[0])
    assert (gone.tier.code, gone.changed) == ("standard", True)
