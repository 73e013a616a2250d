"""Seed 003's formulas, computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.analytics.cohorts import domain

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("rate", "part", "whole", "expected"),
    [
        (domain.satisfaction, 24, 120, 0.2),  # (very satisfied + satisfied) / participants
        (domain.repeat_purchase_rate, 45, 120, 0.375),
        (domain.churn_rate, 50, 120, 0.4167),  # 0.41666… rounds up
        (domain.referral_rate, 6, 120, 0.05),
        (domain.referral_rate, 1, 3, 0.3333),
        (domain.churn_rate, 0, 0, 0.0),  # an empty cohort has no rate, not a division error
    ],
)
def test_rates_are_a_part_of_the_participants(
    rate: object, part: int, whole: int, expected: float
) -> None:
    assert callable(rate)
    assert rate(part, whole) == expected


def test_interaction_frequency_is_per_member_per_thirty_days() -> None:
    # 44 interactions by 4 members over 7 days: 11 each a week, 11 × 30 / 7 a month
    assert domain.interaction_frequency(44, 4, 7) == 47.1429
    assert domain.interaction_frequency(10, 5, 30) == 2.0
    assert domain.interaction_frequency(3, 0, 7) == 0.0


@pytest.mark.parametrize(
    ("before", "compared", "lift"),
    [(100_000, 180_000, 0.8), (100_000, 90_000, -0.1), (100_000, 0, -1.0), (0, 5_000, None)],
)
def test_sales_lift_compares_with_the_window_before(
    before: int, compared: int, lift: float | None
) -> None:
    assert domain.sales_lift(before, compared) == lift


def test_windows_are_equal_length_days_of_the_brand() -> None:
    w = domain.windows(date(2026, 11, 1), date(2026, 11, 7), None, SHANGHAI)
    assert w.days == 7
    # midnight in Shanghai is 16:00 UTC the day before
    assert w.before_start == datetime(2026, 10, 24, 16, tzinfo=UTC)
    assert w.during_start == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert w.after_start == datetime(2026, 11, 7, 16, tzinfo=UTC)
    assert w.after_end == datetime(2026, 11, 14, 16, tzinfo=UTC)
    assert w.churn_end == w.after_end  # churn window defaults to the campaign's length
    longer = domain.windows(date(2026, 11, 1), date(2026, 11, 7), 30, SHANGHAI)
    assert longer.churn_end == datetime(2026, 12, 7, 16, tzinfo=UTC)


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_a_rate_is_a_share(part: int, extra: int) -> None:
    rate = domain.ratio(part, part + extra)
    assert 0.0 <= rate <= 1.0


@given(st.dates(date(2000, 1, 1), date(2090, 1, 1)), st.integers(0, 365))
def test_before_during_and_after_have_the_same_length(first: date, length: int) -> None:
    last = date.fromordinal(first.toordinal() + length)
    w = domain.windows(first, last, None, SHANGHAI)
    spans = {
        w.during_start - w.before_start,
        w.after_start - w.during_start,
        w.after_end - w.after_start,
    }
    assert len(spans) == 1
    assert w.days == length + 1
