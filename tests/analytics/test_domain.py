from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.analytics import domain


@pytest.mark.parametrize(
    ("repeat", "purchasing", "rate"),
    [(0, 0, 0.0), (0, 5, 0.0), (1, 3, 0.3333), (2, 3, 0.6667), (4, 4, 1.0), (1, 7, 0.1429)],
)
def test_repeat_purchase_rate_is_a_ratio_rounded_to_four_decimals(
    repeat: int, purchasing: int, rate: float
) -> None:
    assert domain.repeat_purchase_rate(repeat, purchasing) == rate


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


def test_a_partial_return_keeps_the_purchase_counted() -> None:
    effect = domain.apply_return(total_fen=10_000, returned_fen=0, amount_fen=4_000)
    assert effect == domain.ReturnEffect(4_000, 4_000, False, 0)


def test_the_return_that_completes_the_refund_removes_the_purchase_once() -> None:
    first = domain.apply_return(10_000, 0, 4_000)
    second = domain.apply_return(10_000, first.returned_fen, 6_000)
    assert second == domain.ReturnEffect(10_000, 6_000, True, -1)
    # refunds are capped at the total, and a purchase already fully returned stays removed once
    third = domain.apply_return(10_000, second.returned_fen, 500)
    assert third == domain.ReturnEffect(10_000, 0, True, 0)
    assert domain.apply_return(10_000, 0, 12_000) == domain.ReturnEffect(10_000, 10_000, True, -1)


def test_a_free_purchase_is_not_fully_returned_until_something_is_refunded() -> None:
    assert not domain.is_fully_returned(0, 0)
    assert domain.is_fully_returned(100, 100)


def test_days_since_counts_calendar_days_in_the_business_timezone() -> None:
    # 23:30 UTC on 31 May is already 1 June in Shanghai
    last = datetime(2025, 5, 31, 23, 30, tzinfo=UTC)
    now = datetime(2025, 6, 1, 15, 0, tzinfo=UTC)  # 23:00 on 1 June in Shanghai
    assert domain.days_since(last, now, "Asia/Shanghai") == 0
    assert domain.days_since(last, now, "UTC") == 1
    assert domain.days_since(None, now, "Asia/Shanghai") is None
    assert domain.business_day(last, "Asia/Shanghai").isoformat() == "2025-06-01"
