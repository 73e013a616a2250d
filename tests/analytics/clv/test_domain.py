"""The CLV rules by hand: summaries, units, discounting, the expectations' bounds."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.analytics.clv import domain

CDNOW = domain.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)


def test_a_members_summary_counts_repeat_days_only() -> None:
    days = {date(2026, 1, 1): 100, date(2026, 1, 8): 300, date(2026, 1, 29): 500}
    assert domain.history(days, date(2026, 1, 31)) == domain.PurchaseHistory(2, 28, 30, 400.0)
    assert domain.history(days, date(2026, 1, 10)) == domain.PurchaseHistory(1, 7, 9, 300.0)
    assert domain.history(days, date(2026, 1, 1)) == domain.PurchaseHistory(0, 0, 0, 0.0)
    assert domain.history(days, date(2025, 12, 31)) is None


def test_units_and_a_yearly_discount_per_unit() -> None:
    assert domain.in_units(14, "week") == 2
    assert domain.in_units(14, "day") == 14
    # 10 % a year over 365/7 weeks compounds back to 10 %
    weekly = domain.discount_per_unit(0.1, "week")
    assert (1 + weekly) ** (365 / 7) == pytest.approx(1.1)
    assert domain.discount_per_unit(0.0, "day") == 0.0


def test_the_windows_refused() -> None:
    today = date(2026, 12, 1)
    assert domain.window_problem(date(2026, 6, 30), date(2026, 11, 30), today) is None
    assert domain.window_problem(date(2026, 6, 30), None, today) is None
    assert (domain.window_problem(today, None, today) or "").startswith("calibration_end")
    late = domain.window_problem(date(2026, 6, 30), today, today)
    assert (late or "").startswith("holdout_end")
    early = domain.window_problem(date(2026, 6, 30), date(2026, 6, 30), today)
    assert (early or "").startswith("holdout_end")


def test_a_member_without_repeats_is_alive_for_sure() -> None:
    zero = np.array([0.0])
    assert CDNOW.p_alive(zero, zero, np.array([30.0]))[0] == 1.0


def test_p_alive_by_hand() -> None:
    """x = 2, t_x = 30.43, T = 38.86: 1 / (1 + 0.793/3.426 · (43.274/34.844)^2.243)."""
    by_hand = 1 / (1 + 0.793 / 3.426 * (43.274 / 34.844) ** 2.243)
    got = CDNOW.p_alive(np.array([2.0]), np.array([30.43]), np.array([38.86]))[0]
    assert got == pytest.approx(by_hand, rel=1e-9)


def test_one_unit_of_clv_by_hand() -> None:
    """Horizon 1: spend · E[Y(1)] / (1 + d)."""
    member = (2.0, 30.43, 38.86)
    arrays = tuple(np.array([v]) for v in member)
    one = CDNOW.expected_purchases(1, *arrays)[0]
    got = domain.lifetime_value(CDNOW, 2500.0, member, 1, 0.01)
    assert got == pytest.approx(2500.0 * one / 1.01)


def test_diverging_estimates_are_no_fit() -> None:
    spend = domain.GammaGamma(p=6.25, q=3.74, gamma=1544.0)
    domain.check_estimates(domain.Estimates(CDNOW, spend))
    poisson = domain.BgNbd(r=3.5e6, alpha=4.9e7, a=0.0, b=2e7)
    with pytest.raises(domain.FitFailed, match=r"r = 3\.5e\+06, alpha = 4\.9e\+07, a = 0"):
        domain.check_estimates(domain.Estimates(poisson, spend))
    with pytest.raises(domain.FitFailed, match="q = nan"):
        domain.check_estimates(
            domain.Estimates(CDNOW, domain.GammaGamma(p=6.25, q=float("nan"), gamma=1544.0))
        )


def test_too_little_data_is_refused() -> None:
    with pytest.raises(domain.NotEnoughData, match="at least 10"):
        domain.check_sample(9, 5)
    with pytest.raises(domain.NotEnoughData):
        domain.check_sample(100, 1)
    domain.check_sample(10, 2)


summaries = st.tuples(
    st.integers(min_value=0, max_value=40),
    st.floats(min_value=0, max_value=50),
    st.floats(min_value=0, max_value=50),
).map(lambda s: (s[0], min(s[1], s[2]) if s[0] else 0.0, max(s[1], s[2])))


@given(summaries, st.floats(min_value=0.5, max_value=100))
def test_expectations_stay_in_bounds(summary: tuple[int, float, float], t: float) -> None:
    x, t_x, age = (np.array([float(v)]) for v in summary)
    alive = CDNOW.p_alive(x, t_x, age)[0]
    assert 0 < alive <= 1
    sooner = CDNOW.expected_purchases(t, x, t_x, age)[0]
    later = CDNOW.expected_purchases(t * 2, x, t_x, age)[0]
    assert math.isfinite(later)
    assert 0 <= sooner <= later


@given(summaries, st.integers(min_value=1, max_value=60), st.floats(0.0, 0.5))
def test_clv_grows_with_the_horizon_and_shrinks_with_the_rate(
    summary: tuple[int, float, float], horizon: int, rate: float
) -> None:
    member = (float(summary[0]), summary[1], summary[2])
    value = domain.lifetime_value(CDNOW, 1000.0, member, horizon, rate / 52)
    assert value <= domain.lifetime_value(CDNOW, 1000.0, member, horizon + 5, rate / 52)
    assert value >= domain.lifetime_value(CDNOW, 1000.0, member, horizon, rate / 52 + 0.01)
    assert value >= 0
