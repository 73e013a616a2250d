"""Pure rules of coupons at the till, by hand: the basket a sale must be, what a sale
keeps after returns, and when a return gives the coupon back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.loyalty.coupons.domain import Basket, Coupon, Scope
from services.loyalty.coupons.kinds import KindName
from services.loyalty.till_coupons.domain import (
    BasketLine,
    RestorePolicy,
    SoldLine,
    kept,
    mismatch,
    restore_due,
)

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
STORE = uuid.uuid4()
# fish oil 2 × 74.50 in health, cream 1 × 101.23 in skincare
PRICED = [
    BasketLine(1, "HP-FISHOIL-60", 2, 14_900, ("health",), 1_787),
    BasketLine(2, "SK-CREAM-50", 1, 10_123, ("skincare",), 1_213),
]
BASKET = Basket((), STORE, NOW)


def _coupon(kind: KindName, terms: dict[str, object], scope: Scope | None = None) -> Coupon:
    return Coupon(
        "C", kind, terms, NOW - timedelta(days=1), NOW + timedelta(days=1), scope or Scope()
    )


THRESHOLD = _coupon(KindName.THRESHOLD_OFF, {"threshold_fen": 15_000, "off_fen": 3_000})
HEALTH_PERCENT = _coupon(
    KindName.PERCENT_OFF, {"percent": 10, "cap_fen": 5_000}, Scope(categories=frozenset({"health"}))
)
CREAM_GIFT = _coupon(KindName.FREE_GIFT, {"sku": "SK-CREAM-50", "unit_value_fen": 10_123})


def test_the_sale_must_be_the_priced_basket_line_by_line() -> None:
    same = [SoldLine(1, "HP-FISHOIL-60", 2, 14_900), SoldLine(2, "SK-CREAM-50", 1, 10_123)]
    assert mismatch(PRICED, same) is None
    assert mismatch(PRICED, same[:1]) == "the coupon was priced on 2 lines, the sale has 1"
    cheaper = [same[0], SoldLine(2, "SK-CREAM-50", 1, 10_000)]
    assert mismatch(PRICED, cheaper) == (
        "line 2 is SK-CREAM-50 × 1 for 10000 fen in the sale, SK-CREAM-50 × 1 for 10123 fen "
        "in the basket the coupon was priced on"
    )
    renumbered = [same[0], SoldLine(3, "SK-CREAM-50", 1, 10_123)]
    assert mismatch(PRICED, renumbered) == "the sale has no line 2"


def test_a_sale_keeps_each_line_in_proportion_to_its_units() -> None:
    assert [line.amount_fen for line in kept(PRICED, {1: 1})] == [7_450, 10_123]
    assert [line.amount_fen for line in kept(PRICED, {1: 2, 2: 1})] == [0, 0]


@pytest.mark.parametrize(
    ("policy", "coupon", "returned", "due"),
    [
        # 满150减30: kept 74.50 + 101.23 = 175.73 still meets it; 74.50 alone does not
        ("when_below_threshold", THRESHOLD, {1: 1}, False),
        ("when_below_threshold", THRESHOLD, {2: 1}, True),
        # 10% of health: any fish oil kept still earns it; none kept does not
        ("when_below_threshold", HEALTH_PERCENT, {1: 1, 2: 1}, False),
        ("when_below_threshold", HEALTH_PERCENT, {1: 2}, True),
        # the gift line back: nothing left to give
        ("when_below_threshold", CREAM_GIFT, {2: 1}, True),
        ("when_below_threshold", CREAM_GIFT, {1: 2}, False),
        ("on_full_return", THRESHOLD, {2: 1}, False),
        ("on_full_return", THRESHOLD, {1: 2, 2: 1}, True),
        ("never", THRESHOLD, {1: 2, 2: 1}, False),
    ],
)
def test_a_return_gives_the_coupon_back_as_its_policy_says(
    policy: RestorePolicy, coupon: Coupon, returned: dict[int, int], due: bool
) -> None:
    assert restore_due(policy, coupon, BASKET, PRICED, returned) is due
