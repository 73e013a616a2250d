"""The combination validation offers a till (``best_stack``), by hand, on 150 + 100 yuan.

Alone: 满200减30 (stackable) 3000; 10% off (stackable) 2500; 5% off (stackable) 1250;
满100减60 (not stackable) 6000. Stacked: 满200减30 then 10% of the 22000 left = 2200, 5200
in all; 满200减30 then 5% = 1100, 4100 in all.
"""

from __future__ import annotations

from dataclasses import replace

from services.loyalty.coupons.domain import Coupon, best_stack
from services.loyalty.coupons.kinds import Discount, KindName
from services.loyalty.rules.domain import Line
from tests.loyalty.coupons.test_domain import basket, coupon

LINES = (Line(1, "A", ("health",), 15_000), Line(2, "B", ("skincare",), 10_000))
THRESHOLD = replace(
    coupon(KindName.THRESHOLD_OFF, threshold_fen=20_000, off_fen=3_000), code="T", stackable=True
)
TEN = replace(coupon(KindName.PERCENT_OFF, percent=10, cap_fen=5_000), code="P10", stackable=True)
FIVE = replace(coupon(KindName.PERCENT_OFF, percent=5, cap_fen=5_000), code="P5", stackable=True)
ALONE = replace(coupon(KindName.THRESHOLD_OFF, threshold_fen=10_000, off_fen=6_000), code="N")


def _picked(coupons: list[Coupon], found: list[tuple[int, Discount]]) -> list[tuple[str, int]]:
    return [(coupons[i].code, discount.total_fen) for i, discount in found]


def test_the_best_stack_takes_one_of_each_kind_priced_in_the_stacking_order() -> None:
    coupons = [FIVE, TEN, THRESHOLD]
    found = best_stack(coupons, basket(*LINES))
    assert _picked(coupons, found) == [("T", 3_000), ("P10", 2_200)]
    assert found[1][1].per_line == {1: 1_320, 2: 880}


def test_a_coupon_used_alone_wins_when_it_takes_more_than_any_stack() -> None:
    coupons = [THRESHOLD, TEN, ALONE]
    assert _picked(coupons, best_stack(coupons, basket(*LINES))) == [("N", 6_000)]


def test_a_stack_is_offered_only_when_it_takes_more_than_one_coupon_alone() -> None:
    equal = replace(ALONE, terms={"threshold_fen": 10_000, "off_fen": 5_200})
    coupons = [THRESHOLD, TEN, equal]
    assert _picked(coupons, best_stack(coupons, basket(*LINES))) == [("N", 5_200)]
    more = replace(equal, terms={"threshold_fen": 10_000, "off_fen": 5_199})
    coupons = [THRESHOLD, TEN, more]
    assert _picked(coupons, best_stack(coupons, basket(*LINES))) == [("T", 3_000), ("P10", 2_200)]


def test_none_applying_offers_nothing() -> None:
    assert best_stack([THRESHOLD, TEN], basket(Line(1, "A", ("health",), 0))) == []
