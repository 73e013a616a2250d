"""Discounts per line and per unit, with hand-computed fen, and the property that any
sequence of partial returns refunds exactly what a discounted sale paid."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.orders.discounts.domain import (
    Applied,
    Discount,
    apply,
    paid_for_units,
    refund_fen,
)
from services.orders.discounts.errors import DiscountExceedsLines, InvalidDiscount
from services.orders.purchases.domain import Sold, SoldLine
from services.orders.tenders import domain as tenders
from services.orders.tenders.domain import Tendered


def test_a_coupon_over_all_lines_and_a_manual_discount_on_one() -> None:
    # 3000 over 39800 and 5900: 2612.69 → 2612 and 387.30 → 387, the 1 fen left to the
    # larger line 1; the manual 500 is all line 2's
    per_line, applied = apply(
        [39_800, 5_900], [Discount("7KQ4-M9XD-2HPA", 3_000), Discount("manual", 500, (2,))]
    )
    assert per_line == [2_613, 887]
    assert applied == [
        Applied("7KQ4-M9XD-2HPA", 3_000, ((1, 2_613), (2, 387))),
        Applied("manual", 500, ((2, 500),)),
    ]
    assert applied[1].to_json() == {
        "source": "manual",
        "amount_fen": 500,
        "lines": [{"line_no": 2, "discount_fen": 500}],
    }


def test_the_fen_left_over_goes_to_the_lowest_of_equal_largest_lines() -> None:
    # 14.28 → 14, 42.86 → 42 twice: the 2 fen left go to line 2, the first of the largest
    assert apply([100, 300, 300], [Discount("manual", 100)])[0] == [14, 44, 42]
    assert apply([100, 100, 100], [Discount("manual", 100)])[0] == [34, 33, 33]
    assert apply([100, 100, 100], [Discount("manual", 100, (3, 2))])[0] == [0, 50, 50]


def test_no_discounts_discount_nothing() -> None:
    assert apply([500, 0], []) == ([0, 0], [])


def test_a_discount_as_large_as_its_lines_makes_them_free() -> None:
    assert apply([500, 0, 700], [Discount("manual", 500, (1, 2))])[0] == [500, 0, 0]


@pytest.mark.parametrize(
    ("amounts", "discounts", "field"),
    [
        ([100, 100], [Discount("manual", 1, (3,))], "discounts.0.lines.0"),
        ([100, 100], [Discount("manual", 1, (1, 1))], "discounts.0.lines.1"),
        ([100, 100], [Discount("manual", 1), Discount("c", 101, (1,))], "discounts.1.amount_fen"),
        ([100, 100], [Discount("a", 150), Discount("b", 60, (1,))], "discounts.1"),  # 75 + 60
        ([100, 0], [Discount("manual", 1, (2,))], "discounts.0.amount_fen"),  # line 2 is free
    ],
)
def test_discounts_that_do_not_fit_the_sale_are_refused_naming_the_field(
    amounts: list[int], discounts: list[Discount], field: str
) -> None:
    with pytest.raises((InvalidDiscount, DiscountExceedsLines)) as refused:
        apply(amounts, discounts)
    assert refused.value.field == field


def test_a_line_s_discount_is_shared_over_its_units_the_last_ones_carrying_the_rest() -> None:
    # 3 units at 1000 with 100 off: 33 off each of the first two, 34 off the last
    assert [refund_fen(3, 1_000, 100, returned, 1) for returned in range(3)] == [967, 967, 966]
    assert refund_fen(3, 1_000, 100, 0, 2) == 1_934
    assert refund_fen(3, 1_000, 100, 2, 1) == 966
    assert paid_for_units(3, 1_000, 100, 3) == 2_900
    assert refund_fen(2, 0, 0, 0, 2) == 0


@st.composite
def discounted_sales(draw: st.DrawFn) -> tuple[Sold, int]:
    """A sale of 1 to 6 lines with up to 3 discounts that fit, and what it paid."""
    count = draw(st.integers(1, 6))
    quantities = draw(st.lists(st.integers(1, 7), min_size=count, max_size=count))
    prices = draw(st.lists(st.integers(0, 20_000), min_size=count, max_size=count))
    amounts = [q * p for q, p in zip(quantities, prices, strict=True)]
    discounts: list[Discount] = []
    for _ in range(draw(st.integers(0, 3))):
        lines = draw(st.none() | st.sets(st.integers(1, count), min_size=1).map(tuple))
        base = sum(amounts) if lines is None else sum(amounts[no - 1] for no in lines)
        if base == 0:
            continue
        discounts.append(Discount("manual", draw(st.integers(1, base)), lines))
    try:
        per_line, applied = apply(amounts, discounts)
    except DiscountExceedsLines:  # stacked past a line's amount: refused, as it should be
        per_line, applied = apply(amounts, [])
    for discount in applied:
        assert sum(fen for _, fen in discount.shares) == discount.amount_fen
    assert all(0 <= off <= amount for off, amount in zip(per_line, amounts, strict=True))
    paid = sum(amounts) - sum(per_line)
    sold_lines = {
        no: SoldLine(no, q, p, 0, f"S{no}", "c", off)
        for no, (q, p, off) in enumerate(zip(quantities, prices, per_line, strict=True), start=1)
    }
    sold = Sold(uuid.uuid4(), uuid.uuid4(), paid, datetime.now(UTC), sold_lines, (), None)
    return sold, paid


@given(discounted_sales(), st.data())
def test_any_sequence_of_partial_returns_refunds_exactly_what_was_paid(
    sale: tuple[Sold, int], data: st.DataObject
) -> None:
    sold, paid = sale
    card = data.draw(st.integers(0, paid), label="card")
    given_tenders = [Tendered("card", card)] * (card > 0) + [Tendered("cash", paid - card)] * (
        card < paid
    )
    paid_tenders = tenders.settle(paid, given_tenders) if paid else ()
    sold = replace(sold, tenders=paid_tenders)
    refunded = 0
    while left := [line for line in sold.lines.values() if line.returnable > 0]:
        line = data.draw(st.sampled_from(left), label="line")
        units = data.draw(st.integers(1, line.returnable), label="units")
        refund = line.refund_fen(units)
        assert refund >= 0
        refunded += refund
        assert refunded <= paid
        shares = tenders.allocate_refund(sold.tenders, refund)
        assert sum(shares) == refund
        returned = replace(line, returned_quantity=line.returned_quantity + units)
        sold = replace(
            sold,
            lines={**sold.lines, line.line_no: returned},
            tenders=tenders.after_refund(sold.tenders, shares),
        )
        assert sold.returned_fen == refunded
    assert refunded == paid
    assert all(tender.refunded_fen == tender.amount_fen for tender in sold.tenders)
