"""Pure rules of coupons at the till, by hand: the basket a sale must be, what a sale
keeps after returns, and when a return gives the coupon back."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.loyalty.coupons.domain import Basket, Coupon, Scope, priced_together
from services.loyalty.coupons.kinds import KINDS, KindName, Refusal
from services.loyalty.till_coupons.domain import (
    BasketLine,
    RestorePolicy,
    SoldLine,
    kept,
    mismatch,
    restore_due,
)
from shared.coupons import MAX_STACK

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
    assert restore_due([(policy, coupon)], BASKET, PRICED, returned) == [due]


# 满200减30 and 10% off (cap 50 yuan), both stackable, on 150 + 100 yuan: the threshold-off
# first, 3000 fen shared pro rata 1800 / 1200; the percent-off on what it left, 13200 + 8800
# = 22000 fen, 10% = 2200 shared 1320 / 880. Together 3120 and 2080 off the two lines.
PAIR_LINES = [
    BasketLine(1, "HP-FISHOIL-60", 1, 15_000, ("health",)),
    BasketLine(2, "SK-CREAM-50", 1, 10_000, ("skincare",)),
]
PAIR = [
    replace(
        _coupon(KindName.PERCENT_OFF, {"percent": 10, "cap_fen": 5_000}),
        code="P",
        stackable=True,
    ),
    replace(
        _coupon(KindName.THRESHOLD_OFF, {"threshold_fen": 20_000, "off_fen": 3_000}),
        code="T",
        stackable=True,
    ),
]


def test_stacked_coupons_are_priced_in_the_stacking_order_whatever_order_named() -> None:
    basket = replace(BASKET, lines=kept(PAIR_LINES, {}))
    percent, threshold = priced_together(PAIR, basket)
    assert not isinstance(percent, Refusal)
    assert not isinstance(threshold, Refusal)
    assert threshold.per_line == {1: 1_800, 2: 1_200}
    assert percent.per_line == {1: 1_320, 2: 880}


@pytest.mark.parametrize(
    ("percent_policy", "returned", "due"),
    [
        # line 2 back: 150 yuan kept is below 200, the threshold-off comes back; the
        # percent-off still takes 1500 off what is kept, it stays used
        ("when_below_threshold", {2: 1}, [False, True]),
        ("on_full_return", {2: 1}, [False, True]),
        ("when_below_threshold", {1: 1, 2: 1}, [True, True]),
        ("never", {1: 1, 2: 1}, [False, True]),
    ],
)
def test_a_return_judges_stacked_coupons_together(
    percent_policy: RestorePolicy, returned: dict[int, int], due: list[bool]
) -> None:
    stack: list[tuple[RestorePolicy, Coupon]] = [
        (percent_policy, PAIR[0]),
        ("when_below_threshold", PAIR[1]),
    ]
    assert restore_due(stack, BASKET, PAIR_LINES, returned) == due


def test_a_coupon_left_nothing_by_the_one_before_it_is_refused() -> None:
    # a threshold-off taking the whole of the one line in both scopes leaves the
    # percent-off nothing to take off
    lines = [BasketLine(1, "A", 1, 20_000, ("x",)), BasketLine(2, "B", 1, 100, ("y",))]
    threshold = replace(
        PAIR[1], terms={"threshold_fen": 100, "off_fen": 100}, scope=Scope(skus=frozenset({"B"}))
    )
    percent = replace(PAIR[0], scope=Scope(skus=frozenset({"B"})))
    outcomes = priced_together([percent, threshold], replace(BASKET, lines=kept(lines, {})))
    assert isinstance(outcomes[0], Refusal)
    assert outcomes[0].reason == "no_eligible_line"


def test_a_hold_may_name_one_coupon_of_each_kind() -> None:
    assert len(KINDS) == MAX_STACK
