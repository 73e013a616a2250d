"""The rewards catalog's rules as pure functions, with hand-computed values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.rewards.domain import (
    MAX_STOCK,
    Offer,
    Window,
    moves_to,
    order_points,
    shown_subject,
    status_of,
    stock_after,
)
from services.loyalty.rewards.errors import (
    InvalidRewardWindow,
    InvalidStockChange,
    RewardLimitReached,
    RewardOrderClosed,
    RewardOutOfStock,
    RewardUnavailable,
)

NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
DAY = timedelta(days=1)


def offer(**changes: object) -> Offer:
    fields: dict[str, object] = {
        "code": "FLASK-500",
        "point_price": 1500,
        "stock": 10,
        "per_member_limit": 2,
        "window": Window(NOON - DAY, NOON + DAY),
        "active": True,
    } | changes
    return Offer(**fields)  # type: ignore[arg-type]


def test_an_order_costs_price_times_quantity() -> None:
    assert order_points(offer(), 2, ordered=0, at=NOON) == 3000
    assert order_points(offer(point_price=7, per_member_limit=None), 9, ordered=0, at=NOON) == 63


def test_the_window_includes_its_start_and_excludes_its_end() -> None:
    window = Window(NOON, NOON + DAY)
    assert window.admits(NOON)
    assert window.admits(NOON + DAY - timedelta(microseconds=1))
    assert not window.admits(NOON + DAY)
    assert not window.admits(NOON - timedelta(microseconds=1))
    assert Window().admits(NOON)
    assert Window(None, NOON + DAY).admits(NOON - 1000 * DAY)


@pytest.mark.parametrize(
    ("changes", "at", "message"),
    [
        ({"active": False}, NOON, "reward 'FLASK-500' is not offered (inactive)"),
        ({}, NOON + DAY, "reward 'FLASK-500' can be ordered only until 2026-12-02T04:00:00+00:00"),
        ({}, NOON - 2 * DAY, "reward 'FLASK-500' can be ordered only from 2026-11-30T04:00:00"),
    ],
)
def test_an_item_not_offered_now_is_unavailable(
    changes: dict[str, object], at: datetime, message: str
) -> None:
    with pytest.raises(RewardUnavailable) as refused:
        order_points(offer(**changes), 1, ordered=0, at=at)
    assert refused.value.detail.startswith(message)


def test_the_per_member_limit_counts_the_units_already_ordered() -> None:
    assert order_points(offer(), 1, ordered=1, at=NOON) == 1500
    with pytest.raises(RewardLimitReached) as refused:
        order_points(offer(), 2, ordered=1, at=NOON)
    assert refused.value.extensions == {"limit": 2, "ordered": 1}
    assert refused.value.detail == (
        "reward 'FLASK-500' is limited to 2 per member; the member holds 1 in orders, "
        "2 more would make 3"
    )


def test_no_more_units_than_in_stock() -> None:
    assert order_points(offer(stock=1), 1, ordered=0, at=NOON) == 1500
    with pytest.raises(RewardOutOfStock) as refused:
        order_points(offer(stock=1), 2, ordered=0, at=NOON)
    assert refused.value.extensions == {"stock": 1, "requested": 2}
    with pytest.raises(RewardOutOfStock):
        order_points(offer(stock=0), 1, ordered=0, at=NOON)


def test_unavailability_is_said_before_the_limit_and_the_limit_before_stock() -> None:
    with pytest.raises(RewardUnavailable):
        order_points(offer(active=False, stock=0), 3, ordered=2, at=NOON)
    with pytest.raises(RewardLimitReached):
        order_points(offer(stock=0), 3, ordered=0, at=NOON)


def test_a_window_must_end_after_it_starts() -> None:
    assert Window(NOON, NOON + DAY).check() == Window(NOON, NOON + DAY)
    for until in (NOON, NOON - DAY):
        with pytest.raises(InvalidRewardWindow) as refused:
            Window(NOON, until).check()
        assert refused.value.field == "valid_until"


def test_stock_changes() -> None:
    assert stock_after(10, 5) == 15
    assert stock_after(10, -10) == 0
    assert stock_after(0, MAX_STOCK) == MAX_STOCK
    for stock, change, message in [
        (10, 0, "a stock change of 0 changes nothing"),
        (10, -11, "cannot take 11 units out of stock: 10 in stock"),
        (MAX_STOCK, 1, f"stock {MAX_STOCK} cannot take 1 more units"),
    ]:
        with pytest.raises(InvalidStockChange) as refused:
            stock_after(stock, change)
        assert refused.value.detail.startswith(message)
        assert refused.value.field == "change"


@given(st.integers(0, MAX_STOCK), st.integers(-MAX_STOCK, MAX_STOCK))
def test_stock_after_a_change_is_the_sum_or_refused(stock: int, change: int) -> None:
    try:
        after = stock_after(stock, change)
    except InvalidStockChange:
        assert change == 0 or not 0 <= stock + change <= MAX_STOCK
    else:
        assert after == stock + change
        assert 0 <= after <= MAX_STOCK


def test_an_order_moves_only_from_placed() -> None:
    assert moves_to("placed", "fulfilled") is True
    assert moves_to("placed", "cancelled") is True
    assert moves_to("fulfilled", "fulfilled") is False
    assert moves_to("cancelled", "cancelled") is False
    with pytest.raises(RewardOrderClosed, match="fulfilled already; it cannot be cancelled"):
        moves_to("fulfilled", "cancelled")
    with pytest.raises(RewardOrderClosed, match="cancelled already; it cannot be fulfilled"):
        moves_to("cancelled", "fulfilled")
    assert status_of("placed") == "placed"
    with pytest.raises(ValueError, match="unknown reward order status 'lost'"):
        status_of("lost")


def test_members_see_staff_as_staff() -> None:
    assert shown_subject("ops@brand.example", to_staff=True) == "ops@brand.example"
    assert shown_subject("ops@brand.example", to_staff=False) == "staff"
    member = "member-0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"
    assert shown_subject(member, to_staff=False) == member
