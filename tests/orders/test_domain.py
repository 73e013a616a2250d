from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.orders import domain
from services.orders.domain import PricedLine, SoldLine
from shared.errors import Unprocessable

NOW = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)


def _sold(*lines: tuple[int, int, int]) -> dict[int, SoldLine]:
    """(quantity, unit price, returned) per line, numbered from 1."""
    return {
        no: SoldLine(no, quantity, price, returned)
        for no, (quantity, price, returned) in enumerate(lines, start=1)
    }


def test_total_is_the_sum_of_quantity_times_unit_price() -> None:
    lines = [PricedLine(2, 19900), PricedLine(1, 5900), PricedLine(3, 0)]
    assert domain.total_fen(lines) == 45700


def test_total_of_no_lines_is_zero() -> None:
    assert domain.total_fen([]) == 0


def test_sale_time_defaults_to_now_and_allows_small_clock_skew() -> None:
    assert domain.sale_time(None, NOW) == NOW
    slightly_ahead = NOW + timedelta(minutes=4)
    assert domain.sale_time(slightly_ahead, NOW) == slightly_ahead
    last_week = NOW - timedelta(days=7)
    assert domain.sale_time(last_week, NOW) == last_week


def test_sale_time_refuses_the_future() -> None:
    with pytest.raises(Unprocessable, match="purchased_at"):
        domain.sale_time(NOW + timedelta(minutes=6), NOW)


def test_returnable_is_what_has_not_come_back_yet() -> None:
    assert SoldLine(1, quantity=5, unit_price_fen=100, returned_quantity=2).returnable == 3


def test_plan_return_accepts_quantities_up_to_what_is_left() -> None:
    sold = _sold((2, 19900, 1), (1, 5900, 0))
    assert domain.plan_return(sold, [(1, 1), (2, 1)]) == [(1, 1), (2, 1)]


def test_plan_return_all_takes_every_line_still_returnable() -> None:
    sold = _sold((2, 19900, 1), (1, 5900, 1), (4, 100, 0))
    assert domain.plan_return(sold, None) == [(1, 1), (3, 4)]


def test_plan_return_all_of_a_fully_returned_purchase_is_refused() -> None:
    with pytest.raises(Unprocessable, match="returned in full"):
        domain.plan_return(_sold((2, 100, 2)), None)


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ([], "at least one line"),
        ([(3, 1)], "line_no 3 is not a line"),
        ([(1, 1), (1, 1)], "more than once"),
        ([(1, 0)], "greater than 0"),
        ([(1, -1)], "greater than 0"),
        ([(1, 2)], "only 1 of 2 can still be returned"),
    ],
)
def test_plan_return_refuses_bad_lines(requested: list[tuple[int, int]], message: str) -> None:
    with pytest.raises(Unprocessable, match=message):
        domain.plan_return(_sold((2, 19900, 1), (1, 5900, 0)), requested)
