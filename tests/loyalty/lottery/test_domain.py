"""Lottery rules as pure functions, with hand-computed values."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.loyalty.lottery.domain import (
    EarnRule,
    Fallback,
    Prize,
    candidates,
    chances_for,
    chances_lost,
    pick,
    quota_day,
)


def _prize(rank: int, probability: int, fallback: Fallback = "next") -> Prize:
    return Prize(uuid.UUID(int=rank), rank, probability, daily_quota=1, fallback=fallback)


# seed 000's draw: first 0.5%, second 3%, third 10% (parts per 10,000), the rest nothing
FIRST, SECOND, THIRD = _prize(1, 50), _prize(2, 300), _prize(3, 1_000, "none")
PRIZES = [THIRD, FIRST, SECOND]  # any order: ranks decide


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, FIRST),
        (49, FIRST),
        (50, SECOND),  # 50 + 300 = 350: 50..349
        (349, SECOND),
        (350, THIRD),  # 350 + 1,000 = 1,350: 350..1,349
        (1_349, THIRD),
        (1_350, None),
        (9_999, None),
    ],
)
def test_a_value_picks_the_prize_whose_range_holds_it(value: int, expected: Prize | None) -> None:
    assert pick(PRIZES, value) == expected


def test_a_value_outside_the_whole_is_refused() -> None:
    with pytest.raises(ValueError, match="10000"):
        pick(PRIZES, 10_000)


def test_a_prize_falls_down_the_ranks_while_its_fallback_says_next() -> None:
    assert list(candidates(PRIZES, FIRST)) == [FIRST, SECOND, THIRD]
    assert list(candidates(PRIZES, SECOND)) == [SECOND, THIRD]
    assert list(candidates(PRIZES, None)) == []
    stops = _prize(1, 50, "none")
    assert list(candidates([stops, SECOND], stops)) == [stops]
    # the lowest prize's "next" is no prize
    assert list(candidates([_prize(1, 10, "next")], _prize(1, 10, "next"))) == [_prize(1, 10)]


def test_chances_per_sale_need_the_minimum_spend() -> None:
    rule = EarnRule("per_sale", 10_000)  # one per sale of at least 100 yuan
    assert [chances_for(rule, fen) for fen in (0, 9_999, 10_000, 99_900)] == [0, 0, 1, 1]


def test_chances_per_spend_count_whole_steps() -> None:
    rule = EarnRule("per_spend", 10_000)  # one per 100 yuan
    assert [chances_for(rule, fen) for fen in (-5, 9_999, 10_000, 35_000, 99_999)] == [
        0,
        0,
        1,
        3,
        9,
    ]


def test_a_return_loses_what_the_net_no_longer_earns() -> None:
    per_spend = EarnRule("per_spend", 10_000)
    # 350 yuan: 3 chances; 60 back (290: 2) loses 1; then 100 back (190: 1) loses 1 more
    assert chances_lost(per_spend, 35_000, 0, 6_000) == 1
    assert chances_lost(per_spend, 35_000, 6_000, 10_000) == 1
    assert chances_lost(per_spend, 35_000, 16_000, 19_000) == 1  # all back: the last
    per_sale = EarnRule("per_sale", 10_000)
    assert chances_lost(per_sale, 15_000, 0, 4_000) == 0  # 110 yuan still reaches 100
    assert chances_lost(per_sale, 15_000, 4_000, 2_000) == 1  # 90 yuan does not


def test_the_quota_day_is_the_brands_calendar_day() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    # 16:00 UTC on 30 November is midnight of 1 December in Shanghai
    assert quota_day(datetime(2026, 11, 30, 15, 59, tzinfo=UTC), shanghai) == date(2026, 11, 30)
    assert quota_day(datetime(2026, 11, 30, 16, 0, tzinfo=UTC), shanghai) == date(2026, 12, 1)
