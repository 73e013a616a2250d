"""Coupon kinds, scope, validity and stacking against hand-computed fen values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.coupons.domain import (
    Applied,
    Basket,
    Coupon,
    NotApplied,
    Scope,
    apply_together,
    evaluate,
    stacking_refusal,
    validity,
)
from services.loyalty.coupons.kinds import Discount, KindName, Refusal
from services.loyalty.rules.domain import Line

SHANGHAI = ZoneInfo("Asia/Shanghai")
STORE = uuid.UUID("5a1c7e0e-0000-4000-8000-000000000001")
OTHER_STORE = uuid.UUID("5a1c7e0e-0000-4000-8000-000000000002")
NOW = datetime(2026, 12, 1, 4, tzinfo=UTC)

FISH_OIL = Line(1, "HP-FISHOIL-60", ("health-fishoil", "health"), 25_800)
CREAM = Line(2, "SK-CREAM-50", ("skincare",), 12_345)
VITAMIN = Line(3, "HP-VITC-100", ("health-vitamins", "health"), 5_001)
TOTE = Line(4, "GIFT-TOTE", ("gifts",), 3_900)


def coupon(kind: KindName, scope: Scope | None = None, /, **terms: object) -> Coupon:
    return Coupon(
        code=f"C-{kind}",
        kind=kind,
        terms=terms,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=1),
        scope=scope or Scope(),
    )


def reason(outcome: Discount | Refusal | None) -> str | None:
    return outcome.reason if isinstance(outcome, Refusal) else None


def basket(*lines: Line, store: uuid.UUID = STORE) -> Basket:
    return Basket(lines, store, NOW)


def test_threshold_off_shares_the_amount_pro_rata_rounding_down_remainder_to_largest() -> None:
    off = evaluate(
        coupon(KindName.THRESHOLD_OFF, threshold_fen=20_000, off_fen=3_000),
        basket(FISH_OIL, CREAM, VITAMIN),
    )
    # 43,146 eligible: 25,800×3,000/43,146 = 1,793.9 → 1,793; 12,345 → 858.3 → 858;
    # 5,001 → 347.7 → 347; 2,998 shared, the 2 fen left to the largest line (fish oil)
    assert off == Discount({1: 1_795, 2: 858, 3: 347})
    assert off.total_fen == 3_000


def test_threshold_off_below_the_threshold_says_so() -> None:
    refusal = evaluate(
        coupon(KindName.THRESHOLD_OFF, threshold_fen=20_000, off_fen=3_000), basket(CREAM)
    )
    assert isinstance(refusal, Refusal)
    assert refusal.reason == "below_threshold"
    assert "12345 fen" in refusal.detail


def test_the_threshold_counts_only_lines_in_scope_and_a_category_ancestor_counts() -> None:
    health = Scope(categories=frozenset({"health"}))
    terms = {"threshold_fen": 30_000, "off_fen": 3_000}
    # fish oil + vitamins are under "health" through their ancestors: 30,801 ≥ 30,000;
    # cream is out of scope and gets nothing: 25,800×3,000/30,801 = 2,512.9 → 2,512,
    # 5,001 → 487.1 → 487, 1 fen left to fish oil
    off = evaluate(
        coupon(KindName.THRESHOLD_OFF, health, **terms), basket(FISH_OIL, CREAM, VITAMIN)
    )
    assert off == Discount({1: 2_513, 3: 487})
    alone = evaluate(coupon(KindName.THRESHOLD_OFF, health, **terms), basket(FISH_OIL, CREAM))
    assert reason(alone) == "below_threshold"


def test_equal_lines_leave_the_remainder_to_the_lowest_line_number() -> None:
    twins = (Line(1, "A", (), 1_000), Line(2, "B", (), 1_000), Line(3, "C", (), 1_000))
    off = evaluate(coupon(KindName.THRESHOLD_OFF, threshold_fen=0, off_fen=100), basket(*twins))
    assert off == Discount({1: 34, 2: 33, 3: 33})


def test_percent_off_rounds_down_and_is_capped() -> None:
    # 15 % of 12,345 = 1,851.75 → 1,851, under the cap of 2,000
    off = evaluate(coupon(KindName.PERCENT_OFF, percent=15, cap_fen=2_000), basket(CREAM))
    assert off == Discount({2: 1_851})
    # 15 % of 38,145 = 5,721.75 → capped at 2,000: 25,800×2,000/38,145 = 1,352.7 → 1,352;
    # 12,345 → 647.3 → 647; 1 fen left to fish oil
    capped = evaluate(
        coupon(KindName.PERCENT_OFF, percent=15, cap_fen=2_000), basket(FISH_OIL, CREAM)
    )
    assert capped == Discount({1: 1_353, 2: 647})


def test_percent_off_under_one_fen_does_not_apply() -> None:
    tiny = Line(1, "PEN", (), 6)
    refusal = evaluate(coupon(KindName.PERCENT_OFF, percent=10, cap_fen=100), basket(tiny))
    assert reason(refusal) == "no_discount"


def test_a_cash_voucher_takes_at_most_the_eligible_value_and_gives_no_change() -> None:
    skincare = Scope(categories=frozenset({"skincare"}))
    off = evaluate(
        coupon(KindName.CASH_VOUCHER, skincare, value_fen=20_000), basket(FISH_OIL, CREAM)
    )
    assert off == Discount({2: 12_345})  # 20,000 voucher, 12,345 in scope: 7,655 forfeited
    small = evaluate(coupon(KindName.CASH_VOUCHER, value_fen=5_000), basket(FISH_OIL, CREAM))
    # 25,800×5,000/38,145 = 3,381.8 → 3,381; 12,345 → 1,618.1 → 1,618; 1 fen to fish oil
    assert small == Discount({1: 3_382, 2: 1_618})


def test_a_free_gift_takes_one_unit_off_its_line() -> None:
    three_totes = Line(4, "GIFT-TOTE", ("gifts",), 11_700)
    gift = coupon(KindName.FREE_GIFT, sku="GIFT-TOTE", unit_value_fen=3_900)
    assert evaluate(gift, basket(CREAM, three_totes)) == Discount({4: 3_900})
    assert evaluate(gift, basket(CREAM, Line(4, "GIFT-TOTE", (), 2_000))) == Discount({4: 2_000})
    missing = evaluate(gift, basket(CREAM))
    assert reason(missing) == "gift_not_in_basket"


def test_store_scope_sku_scope_and_no_line_in_scope() -> None:
    voucher = coupon(KindName.CASH_VOUCHER, Scope(stores=frozenset({STORE})), value_fen=100)
    elsewhere = evaluate(voucher, basket(CREAM, store=OTHER_STORE))
    assert reason(elsewhere) == "out_of_store_scope"
    by_sku = coupon(KindName.CASH_VOUCHER, Scope(skus=frozenset({"HP-VITC-100"})), value_fen=100)
    assert evaluate(by_sku, basket(FISH_OIL, VITAMIN)) == Discount({3: 100})
    none = evaluate(by_sku, basket(FISH_OIL, CREAM))
    assert reason(none) == "no_eligible_line"


def test_outside_its_window_a_coupon_does_not_apply() -> None:
    voucher = coupon(KindName.CASH_VOUCHER, value_fen=100)
    early = Basket((CREAM,), STORE, voucher.valid_from - timedelta(seconds=1))
    late = Basket((CREAM,), STORE, voucher.valid_until)
    assert evaluate(voucher, early) == Refusal("not_yet_valid", early_detail(voucher))
    late_refusal = evaluate(voucher, late)
    assert reason(late_refusal) == "expired"


def early_detail(voucher: Coupon) -> str:
    return f"usable from {voucher.valid_from.isoformat()}"


def test_n_days_from_grant_end_at_the_brands_midnight() -> None:
    # 22:30 UTC on 30 Nov is 06:30 on 1 Dec in Shanghai: day 1 is 1 Dec, 3 days end 4 Dec 00:00
    granted = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
    start, end = validity(granted, SHANGHAI, days=3)
    assert start == granted
    assert end == datetime(2026, 12, 4, tzinfo=SHANGHAI)
    assert end.astimezone(UTC) == datetime(2026, 12, 3, 16, tzinfo=UTC)
    window = (NOW, NOW + timedelta(days=10))
    assert validity(granted, SHANGHAI, window=window) == window
    with pytest.raises(ValueError, match="at least one day"):
        validity(granted, SHANGHAI, days=0)


def test_one_coupon_per_sale_unless_all_are_stackable_then_one_per_kind() -> None:
    threshold = coupon(KindName.THRESHOLD_OFF, threshold_fen=0, off_fen=100)
    voucher = coupon(KindName.CASH_VOUCHER, value_fen=100)
    assert stacking_refusal([threshold]) is None
    assert stacking_refusal([threshold, voucher]) == Refusal(
        "not_stackable", "a coupon that is not stackable is used alone"
    )
    stack_t = Coupon(**{**threshold.__dict__, "stackable": True})
    stack_v = Coupon(**{**voucher.__dict__, "stackable": True})
    assert stacking_refusal([stack_t, stack_v]) is None
    refusal = stacking_refusal([stack_t, Coupon(**{**stack_t.__dict__, "code": "C-2"})])
    assert reason(refusal) == "same_kind"
    with pytest.raises(ValueError, match="used alone"):
        apply_together([threshold, voucher], basket(CREAM))


def test_stacked_coupons_apply_in_kind_order_on_what_is_left() -> None:
    def stackable(kind: KindName, code: str, **terms: object) -> Coupon:
        return Coupon(**{**coupon(kind, **terms).__dict__, "code": code, "stackable": True})

    voucher = stackable(KindName.CASH_VOUCHER, "V", value_fen=20_000)
    threshold = stackable(KindName.THRESHOLD_OFF, "T", threshold_fen=20_000, off_fen=3_000)
    # threshold first on 25,800 + 12,345 = 38,145: 25,800×3,000/38,145 = 2,029.1 → 2,029,
    # 12,345 → 970.9 → 970, 1 fen to fish oil: 2,030 + 970. Left 23,770 + 11,375 = 35,145;
    # the voucher's 20,000: 23,770×20,000/35,145 = 13,526.8 → 13,526; 11,375 → 6,473.2 →
    # 6,473; 1 fen to fish oil: 13,527 + 6,473
    results = apply_together([voucher, threshold], basket(FISH_OIL, CREAM))
    assert results == [
        Applied("T", Discount({1: 2_030, 2: 970})),
        Applied("V", Discount({1: 13_527, 2: 6_473})),
    ]
    # percent-off before the gift: 10 % of 12,900 capped at 100; 9,000×100/12,900 = 69.8 →
    # 69, 3,900 → 30.2 → 30, 1 fen to line 1; the gift then gets what is left of the tote
    gift = stackable(KindName.FREE_GIFT, "G", sku="GIFT-TOTE", unit_value_fen=3_900)
    late = stackable(KindName.PERCENT_OFF, "P", percent=10, cap_fen=100)
    small = (Line(1, "X", (), 9_000), TOTE)
    outcome = apply_together([gift, late], basket(*small))
    assert outcome == [Applied("P", Discount({1: 70, 4: 30})), Applied("G", Discount({4: 3_870}))]
    alone = apply_together(
        [stackable(KindName.THRESHOLD_OFF, "T2", threshold_fen=20_000, off_fen=1)], basket(CREAM)
    )
    assert alone == [
        NotApplied(
            "T2",
            Refusal(
                "below_threshold", "eligible spend 12345 fen is below the threshold of 20000 fen"
            ),
        )
    ]


amounts = st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=30)


@given(amounts, st.integers(min_value=0, max_value=10_000_000))
def test_a_discount_adds_up_and_no_line_gets_more_than_its_amount(
    line_amounts: list[int], value: int
) -> None:
    lines = tuple(Line(n, f"S{n}", (), amount) for n, amount in enumerate(line_amounts, 1))
    off = evaluate(coupon(KindName.CASH_VOUCHER, value_fen=value), basket(*lines))
    if not any(line_amounts):
        assert reason(off) == "no_eligible_line"
        return
    assert isinstance(off, Discount)
    assert off.total_fen == min(value, sum(line_amounts))
    by_no = {line.line_no: line.amount_fen for line in lines}
    assert all(0 <= fen <= by_no[no] for no, fen in off.per_line.items())
