"""The reports' pure rules: periods, months and histogram bins, by hand and as properties."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.analytics.reports import domain

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))
INTERVALS: st.SearchStrategy[domain.Interval] = st.sampled_from(("day", "week", "month"))


def test_periods_by_hand() -> None:
    # 2026-02-27 is a Friday; the month of February 2026 has 28 days
    assert domain.periods(date(2026, 2, 27), date(2026, 3, 2), "week") == [
        date(2026, 2, 23),
        date(2026, 3, 2),
    ]
    assert domain.periods(date(2025, 12, 31), date(2026, 2, 1), "month") == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert domain.add_months(date(2026, 1, 1), -13) == date(2024, 12, 1)
    assert domain.months_between(date(2025, 12, 1), date(2026, 2, 1)) == 2
    assert list(domain.retention_offsets(date(2026, 10, 1), date(2026, 12, 1))) == [0, 1, 2]


@given(DAYS, st.integers(min_value=0, max_value=800), INTERVALS)
def test_periods_cover_the_window_once_in_order(
    first: date, span: int, interval: domain.Interval
) -> None:
    last = first + timedelta(days=span)
    starts = domain.periods(first, last, interval)
    assert len(starts) == domain.period_count(first, last, interval)
    assert starts[0] <= first < domain.next_period(starts[0], interval)
    assert starts[-1] <= last < domain.next_period(starts[-1], interval)
    for earlier, later in itertools.pairwise(starts):
        assert domain.next_period(earlier, interval) == later


def test_a_histogram_by_hand() -> None:
    bins = domain.histogram(np.array([0.0, 1.0, 2.5, 10.0]), np.array([1.0, 0.5, 0.0, 0.2]), 4)
    assert [(b.low, b.high, b.count) for b in bins] == [
        (0.0, 2.5, 2),
        (2.5, 5.0, 1),
        (5.0, 7.5, 0),
        (7.5, 10.0, 1),
    ]
    assert [b.mean_of_other for b in bins] == [0.75, 0.0, None, 0.2]
    assert domain.histogram(np.array([]), np.array([]), 3) == []


@given(
    st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=200),
    st.integers(min_value=1, max_value=50),
)
def test_every_value_is_in_exactly_one_bin(values: list[float], count: int) -> None:
    array = np.array(values)
    bins = domain.histogram(array, np.ones_like(array), count)
    assert len(bins) == count
    assert sum(b.count for b in bins) == len(values)
    assert bins[0].low <= min(values)
    if max(values) > bins[0].low:
        assert bins[-1].high == pytest.approx(max(values), rel=1e-9, abs=1e-6)
    else:  # all the same: one bin of width 1 holds them
        assert bins[0].count == len(values)
    assert all(b.mean_of_other in (None, 1.0) for b in bins)
