"""The segmentation's pure rules, by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.analytics.segmentation import domain


def test_the_four_quadrants_of_seed_001() -> None:
    assert domain.quadrant(high_value=True, high_repeat=True) == "gold"
    assert domain.quadrant(high_value=True, high_repeat=False) == "meteor"
    assert domain.quadrant(high_value=False, high_repeat=True) == "brook"
    assert domain.quadrant(high_value=False, high_repeat=False) == "burden"
    assert {q: domain.quadrant(*domain.SIDES[q]) for q in domain.QUADRANTS} == {
        q: q for q in domain.QUADRANTS
    }


@pytest.mark.parametrize(
    ("population", "percent", "count"),
    [(0, 20, 0), (1, 20, 1), (5, 20, 1), (6, 20, 2), (7, 20, 2), (10, 20, 2), (10, 100, 10)],
)
def test_the_top_percent_is_rounded_up_to_whole_members(
    population: int, percent: float, count: int
) -> None:
    assert domain.top_count(population, percent) == count


@given(st.integers(1, 10**6), st.floats(0.01, 100))
def test_the_top_is_never_more_than_everyone(population: int, percent: float) -> None:
    assert 1 <= domain.top_count(population, percent) <= population


def test_curve_percents_end_at_everyone() -> None:
    assert domain.curve_percents(10) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert domain.curve_percents(30) == [30, 60, 90, 100]
    assert domain.curve_percents(50) == [50, 100]


@pytest.mark.parametrize(
    ("today", "months", "day"),
    [
        (date(2026, 12, 1), 6, date(2026, 6, 1)),
        (date(2026, 5, 31), 3, date(2026, 2, 28)),
        (date(2028, 5, 31), 3, date(2028, 2, 29)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 3, 31), 13, date(2025, 2, 28)),
    ],
)
def test_months_back_keeps_the_day_or_the_months_last(today: date, months: int, day: date) -> None:
    assert domain.months_back(today, months) == day


def test_sleeping_since_is_the_brands_midnight() -> None:
    # 2026-12-01 17:00 UTC is already 2 December in Shanghai
    since = domain.sleeping_since(
        datetime(2026, 12, 1, 17, tzinfo=UTC), 6, ZoneInfo("Asia/Shanghai")
    )
    assert since == datetime(2026, 6, 1, 16, tzinfo=UTC)


def test_shares_are_rounded_and_safe() -> None:
    assert domain.share(160_000, 244_000) == 0.6557
    assert domain.share(5, 0) == 0.0


def test_score_ranks_are_where_each_score_starts() -> None:
    # 10 members in quintiles: scores 2..5 need 2, 4, 6, 8 members strictly worse
    assert domain.score_ranks(10, 5) == [2, 4, 6, 8]
    # 7 members in quartiles: ceil(7/4), ceil(14/4), ceil(21/4)
    assert domain.score_ranks(7, 4) == [2, 4, 6]
    # fewer members than scores: the top scores need everyone (no one reaches them)
    assert domain.score_ranks(2, 5) == [1, 1, 2, 2]


@given(st.integers(1, 10**7), st.integers(2, 10))
def test_score_ranks_read_the_rank_rule_backwards(population: int, bins: int) -> None:
    ranks = domain.score_ranks(population, bins)
    for score, k in enumerate(ranks, start=2):
        assert 1 + bins * k // population >= score
        assert 1 + bins * (k - 1) // population < score


@given(st.integers(1, 10**9).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n))))
def test_order_fractions_land_on_their_position(case: tuple[int, int]) -> None:
    population, k = case
    # percentile_disc answers the value at position ceil(p × n)
    assert math.ceil(domain.order_fraction(k, population) * population) == k


def test_top_sums_count_ties_once() -> None:
    values = [900, 500, 500, 500, 100]
    counts = [1, 2, 4, 5]
    kth = {k: sorted(values, reverse=True)[k - 1] for k in counts}
    bounds = sorted(set(kth.values()))  # [100, 500, 900]
    buckets = {0: (1, 100), 1: (3, 1500), 2: (1, 900)}  # by how many bounds they exceed
    assert domain.top_sums(counts, kth, bounds, buckets) == {1: 900, 2: 1400, 4: 2400, 5: 2500}


def test_recency_compares_on_the_stored_time() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    since = domain.recent_since(now, 3, shanghai)
    assert since == datetime(2026, 11, 29, 0, 0, tzinfo=shanghai)
    assert domain.recency_days(now, since, shanghai) == 2
    assert domain.recency_days(now, since - timedelta(microseconds=1), shanghai) == 3
    assert domain.recent_since(now, 0, shanghai) is None
