"""What a campaign adds to a rated sale, in hand-computed points, and budgets that give
what is left and never more."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.campaigns.domain import (
    Campaign,
    Scope,
    contribution,
    granted,
    qualifying_fen,
    reached,
    still_qualifies,
)
from services.loyalty.rules.domain import Line, RuleSet, Sale, rate
from services.loyalty.simulation.domain import Giveaway, coupons_left

STORE = uuid.UUID("6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f")
RULES = RuleSet(points_per_yuan=1, excluded_skus=frozenset({"GIFT-CARD"}))
START = datetime(2027, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 11, tzinfo=UTC)


def _sale(*lines: Line, vouchers_fen: int = 0, tier: str = "standard") -> Sale:
    return Sale(lines, vouchers_fen, STORE, date(2027, 1, 5), tier)


def _campaign(
    scope: Scope = Scope(),
    multiplier_percent: int | None = None,
    bonus_points: int | None = None,
    bonus_threshold_fen: int = 0,
) -> Campaign:
    return Campaign(
        uuid.uuid4(), START, END, scope, multiplier_percent, bonus_points, bonus_threshold_fen
    )


BASKET = (
    Line(1, "HP-FISHOIL-60", ("health",), 25_800),
    Line(2, "SK-CREAM-50", ("skincare-face", "skincare"), 12_345),
    Line(3, "GIFT-CARD", ("cards",), 10_000),
)


def _adds(campaign: Campaign, sale: Sale, rules: RuleSet = RULES) -> int:
    return contribution(campaign, sale, rate(sale, rules).lines, rules.points_per_yuan)


def test_a_category_multiplier_adds_its_extra_over_x1_on_lines_of_the_category_or_below() -> None:
    # skincare-face is under skincare: 12_345 fen × 1 point/yuan × (200 − 100)% = 123.45
    campaign = _campaign(Scope(categories=frozenset({"skincare"})), multiplier_percent=200)
    assert _adds(campaign, _sale(*BASKET)) == 123


def test_the_bonus_counts_when_the_qualifying_spend_reaches_the_threshold() -> None:
    scope = Scope(categories=frozenset({"skincare"}))
    reached = _campaign(scope, multiplier_percent=200, bonus_points=30, bonus_threshold_fen=12_345)
    assert _adds(reached, _sale(*BASKET)) == 123 + 30
    missed = _campaign(scope, bonus_points=30, bonus_threshold_fen=12_346)
    assert _adds(missed, _sale(*BASKET)) == 0


def test_vouchers_lower_the_qualifying_spend_as_the_rules_share_them() -> None:
    # 4_000 fen of vouchers over 25_800 / 12_345 / 10_000 (48_145): the skincare line's
    # share is floor(12_345 × 4_000 / 48_145) = 1_025, so 11_320 fen net → 113.2 points
    sale = _sale(*BASKET, vouchers_fen=4_000)
    scope = Scope(categories=frozenset({"skincare"}))
    assert qualifying_fen(sale, rate(sale, RULES).lines, scope) == 11_320
    assert _adds(_campaign(scope, multiplier_percent=200), sale) == 113


def test_a_line_the_rules_exclude_never_qualifies() -> None:
    cards = _campaign(Scope(categories=frozenset({"cards"})), bonus_points=5)
    assert _adds(cards, _sale(*BASKET)) == 0


def test_store_and_tier_scopes_restrict_the_sale() -> None:
    elsewhere = _campaign(Scope(stores=frozenset({uuid.uuid4()})), bonus_points=5)
    assert _adds(elsewhere, _sale(*BASKET)) == 0
    here = _campaign(Scope(stores=frozenset({STORE})), bonus_points=5)
    assert _adds(here, _sale(*BASKET)) == 5
    vips = _campaign(Scope(tiers=frozenset({"vip"})), multiplier_percent=150)
    assert _adds(vips, _sale(*BASKET, tier="standard")) == 0
    # 25_800 + 12_345 fen at +50% of 1 point/yuan: 190.725
    assert _adds(vips, _sale(*BASKET, tier="vip")) == 190


def test_a_campaign_stacks_on_the_rules_highest_multiplier_instead_of_competing() -> None:
    rules = RuleSet(points_per_yuan=1, tier_multipliers={"vip": 200})
    sale = _sale(Line(1, "A", ("health",), 10_000), tier="vip")
    assert rate(sale, rules).points == 200  # the tier's ×2
    assert _adds(_campaign(multiplier_percent=200), sale, rules) == 100  # +×1 on top


def test_the_exact_amounts_are_rounded_down_once_per_sale() -> None:
    # two lines of 150 fen at +100%: 1.5 + 1.5 = 3 (rounding each line would give 2)
    sale = _sale(Line(1, "A", ("x",), 150), Line(2, "B", ("x",), 150))
    assert _adds(_campaign(multiplier_percent=200), sale) == 3


def test_a_campaign_is_reached_by_qualifying_spend_even_when_it_adds_nothing() -> None:
    giving = _campaign(bonus_points=7)
    idle = _campaign(Scope(categories=frozenset({"toys"})), bonus_points=7)
    unmet = _campaign(bonus_points=7, bonus_threshold_fen=10**6)
    sale = _sale(*BASKET)
    reaches = reached([idle, giving, unmet], sale, rate(sale, RULES).lines, 1)
    # 25_800 + 12_345 fen qualify (the gift card is excluded by the rules)
    assert [(r.campaign, r.qualifying_fen, r.wanted) for r in reaches] == [
        (giving, 38_145, 7),
        (unmet, 38_145, 0),
    ]


def test_a_budget_gives_all_while_it_lasts_then_what_is_left_then_nothing() -> None:
    assert granted(10, None, 10**9) == 10
    assert granted(10, 100, 80) == 10
    assert granted(10, 100, 95) == 5
    assert granted(10, 100, 100) == 0


@given(
    wanted=st.integers(0, 10**6),
    budget=st.integers(1, 10**6),
    spent_share=st.floats(0, 1),
)
def test_a_budget_is_never_exceeded(wanted: int, budget: int, spent_share: float) -> None:
    spent = int(budget * spent_share)
    taken = granted(wanted, budget, spent)
    assert 0 <= taken <= wanted
    assert spent + taken <= budget
    assert taken == wanted or spent + taken == budget


@pytest.mark.parametrize(
    ("returned", "qualifies"),
    [
        (0, True),
        (8_000, True),  # 25_000 × 8_000 / 40_000 = 5_000 back: 20_000 left, the threshold
        (8_001, True),  # 5_000.625 back, rounded down: 20_000 left
        (8_002, False),  # 5_001.25 → 5_001 back: 19_999 left
        (12_000, False),  # 7_500 back: 17_500 left
        (40_000, False),  # all of it
    ],
)
def test_a_purchase_still_qualifies_while_its_spend_net_of_returns_reaches_the_threshold(
    returned: int, qualifies: bool
) -> None:
    assert still_qualifies(20_000, 25_000, 40_000, returned) is qualifies


@pytest.mark.parametrize(
    ("quantity", "budget_fen", "issued", "ended", "left"),
    [
        (None, None, 7, False, None),  # no bound
        (10, None, 4, False, 6),
        (None, 10_000, 1, False, 2),  # 10_000 fen at 3_000 each: 3, one issued
        (10, 10_000, 1, False, 2),  # the tighter bound
        (10, None, 12, False, 0),  # never below 0
        (10, None, 4, True, 0),  # its validity ended
    ],
)
def test_a_definitions_coupons_left_are_its_tighter_bound(
    quantity: int | None, budget_fen: int | None, issued: int, ended: bool, left: int | None
) -> None:
    assert (
        coupons_left(
            quantity=quantity,
            budget_fen=budget_fen,
            face_value_fen=3_000,
            issued=issued,
            ended=ended,
        )
        == left
    )


def test_a_dry_runs_giveaway_gives_while_every_bound_lasts() -> None:
    holder, other, third = (uuid.UUID(int=n) for n in (1, 2, 3))
    giveaway = Giveaway(quantity=2, definition_left=None, per_member_limit=1, held={holder: 1})
    assert [giveaway.take(m) for m in (holder, other, other, third, third)] == [
        False,  # at the per-member limit already
        True,
        False,  # now at it too
        True,
        False,  # the campaign's quantity is spent
    ]
    assert (giveaway.quantity, giveaway.held) == (0, {holder: 1, other: 1, third: 1})
    tight = Giveaway(quantity=None, definition_left=1, per_member_limit=5, held={})
    assert [tight.take(holder), tight.take(holder)] == [True, False]
