from __future__ import annotations

import pytest

from services.orders.purchases.domain import SoldLine
from services.orders.returns import domain
from services.orders.returns.errors import (
    InvalidReturn,
    PurchaseFullyReturned,
    ReturnExceedsSold,
)
from shared.errors import ProblemError, Unprocessable


def _sold(*lines: tuple[int, int, int]) -> dict[int, SoldLine]:
    """(quantity, unit price, returned) per line, numbered from 1."""
    return {
        no: SoldLine(no, quantity, price, returned, sku=f"SKU-{no}", category="daily")
        for no, (quantity, price, returned) in enumerate(lines, start=1)
    }


def test_plan_return_accepts_quantities_up_to_what_is_left() -> None:
    sold = _sold((2, 19900, 1), (1, 5900, 0))
    assert domain.plan_return(sold, [(1, 1), (2, 1)]) == [(1, 1), (2, 1)]


def test_plan_return_all_takes_every_line_still_returnable() -> None:
    sold = _sold((2, 19900, 1), (1, 5900, 1), (4, 100, 0))
    assert domain.plan_return(sold, None) == [(1, 1), (3, 4)]


def test_plan_return_all_of_a_fully_returned_purchase_is_refused() -> None:
    with pytest.raises(PurchaseFullyReturned, match="returned in full"):
        domain.plan_return(_sold((2, 100, 2)), None)


@pytest.mark.parametrize(
    ("requested", "message", "error", "field"),
    [
        ([], "at least one line", InvalidReturn, "lines"),
        ([(3, 1)], "line_no 3 is not a line", InvalidReturn, "lines.0.line_no"),
        ([(1, 1), (1, 1)], "more than once", InvalidReturn, "lines.1.line_no"),
        ([(1, 0)], "greater than 0", InvalidReturn, "lines.0.quantity"),
        ([(1, -1)], "greater than 0", InvalidReturn, "lines.0.quantity"),
        ([(1, 2)], "only 1 of 2 can still be returned", ReturnExceedsSold, "lines.0.quantity"),
    ],
)
def test_plan_return_refuses_bad_lines(
    requested: list[tuple[int, int]], message: str, error: type[ProblemError], field: str
) -> None:
    with pytest.raises(Unprocessable, match=message) as refused:
        domain.plan_return(_sold((2, 19900, 1), (1, 5900, 0)), requested)
    assert type(refused.value) is error
    assert refused.value.field == field
