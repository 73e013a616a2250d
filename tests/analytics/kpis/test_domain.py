from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.analytics.kpis import domain


@pytest.mark.parametrize(
    ("repeat", "purchasing", "rate"),
    [(0, 0, 0.0), (0, 5, 0.0), (1, 3, 0.3333), (2, 3, 0.6667), (4, 4, 1.0), (1, 7, 0.1429)],
)
def test_lifetime_repeat_customer_rate_is_a_ratio_rounded_to_four_decimals(
    repeat: int, purchasing: int, rate: float
) -> None:
    assert domain.lifetime_repeat_customer_rate(repeat, purchasing) == rate


@pytest.mark.parametrize(
    ("revenue", "purchases", "aov"),
    [(0, 0, 0), (50_000, 0, 0), (100_000, 4, 25_000), (10, 4, 3), (9, 4, 2), (1, 3, 0), (2, 3, 1)],
)
def test_average_order_value_is_whole_fen_rounded_half_up(
    revenue: int, purchases: int, aov: int
) -> None:
    value = domain.average_order_value_fen(revenue, purchases)
    assert value == aov
    assert isinstance(value, int)


def test_the_active_window_starts_exactly_days_before_now() -> None:
    now = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    start = domain.active_window_start(now, 30)
    assert start == datetime(2025, 5, 2, 8, 0, tzinfo=UTC)
    assert domain.active_window_start(now, 1) == now - timedelta(days=1)
    assert domain.active_window_start(now, 365) == datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="at least one day"):
        domain.active_window_start(now, 0)
