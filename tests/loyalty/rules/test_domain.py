"""The rules engine against hand-computed sales."""

from __future__ import annotations

import uuid
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.rules.domain import (
    Bonus,
    Contribution,
    Line,
    MemberDay,
    RuleSet,
    Sale,
    rate,
)
from services.loyalty.rules.schemas import RuleSetIn
from services.loyalty.rules.service import rule_set, stored_rule_set, stored_sale
from shared.allocation import allocate
from shared.inputs import MAX_MULTIPLIER_PERCENT, MAX_POINTS_PER_SALE, MAX_SALE_TOTAL_FEN

STORE = uuid.UUID("5a1c7e0e-0000-4000-8000-000000000001")
OTHER_STORE = uuid.UUID("5a1c7e0e-0000-4000-8000-000000000002")
WEDNESDAY = date(2026, 12, 2)
THURSDAY = date(2026, 12, 3)


def sale(*lines: Line, vouchers: int = 0, tier: str = "standard", day: date = THURSDAY) -> Sale:
    return Sale(lines, vouchers, STORE, day, tier)


FISH_OIL = Line(1, "HP-FISHOIL-60", ("health-fishoil", "health"), 25_800)
CREAM = Line(2, "SK-CREAM-50", ("skincare",), 12_345)
CIGARS = Line(3, "TB-CIGAR-10", ("tobacco-cigar", "tobacco"), 10_000)


def test_one_line_at_the_plain_rate_earns_what_the_single_rule_gave() -> None:
    rating = rate(sale(CREAM), RuleSet(points_per_yuan=1))
    assert rating.points == 123  # 12,345 fen × 1 / 100 = 123.45
    assert rating.contributions == (Contribution("base", 123),)


def test_the_tier_multiplier_rounds_once_per_sale() -> None:
    rules = RuleSet(points_per_yuan=1, tier_multipliers={"vip": 150})
    rating = rate(sale(CREAM, FISH_OIL, tier="vip"), rules)
    # (12,345 + 25,800) × 1.5 / 100 = 572.175 → 572; per line 185 + 387 would be the same
    # here, the single floor matters for 12,345 + 12,345: 370.35 → 370 (per line: 185+185)
    assert rating.points == 572
    assert rating.contributions == (Contribution("base", 381), Contribution("tier:vip", 191))
    twice = rate(sale(CREAM, Line(2, "SK-CREAM-50", ("skincare",), 12_345), tier="vip"), rules)
    assert twice.points == 370


def test_the_highest_multiplier_wins_and_is_named() -> None:
    rules = RuleSet(
        points_per_yuan=2,
        tier_multipliers={"vip": 120},
        category_multipliers={"health": 300, "skincare": 110},
        member_days=(MemberDay("wednesday", 200, weekdays=frozenset({3})),),
    )
    rating = rate(sale(FISH_OIL, CREAM, tier="vip", day=WEDNESDAY), rules)
    # fish oil: ancestor health ×3 beats the day's ×2 and vip ×1.2: 25,800 × 2 × 3 / 100
    # = 1,548; cream: the day's ×2 beats skincare ×1.1: 12,345 × 2 × 2 / 100 = 493.8
    # together 2,041.8 → 2,041: base (25,800 + 12,345) × 2 / 100 = 762.9 → 762, then
    # category:health +1,032 (running 1,794.9 → 1,794), day:wednesday +246.9 (→ 2,041)
    assert rating.points == 2_041
    assert rating.contributions == (
        Contribution("base", 762),
        Contribution("category:health", 1_032),
        Contribution("day:wednesday", 247),
    )
    assert [(line.multiplier_percent, line.rule) for line in rating.lines] == [
        (300, "category:health"),
        (200, "day:wednesday"),
    ]


def test_sku_store_and_month_day_rules() -> None:
    rules = RuleSet(
        points_per_yuan=1,
        sku_multipliers={"SK-CREAM-50": 500},
        store_multipliers={STORE: 200, OTHER_STORE: 900},
        member_days=(MemberDay("8th", 400, month_days=frozenset({8})),),
    )
    rating = rate(sale(CREAM, FISH_OIL), rules)
    # cream ×5 = 617.25, fish oil by the store ×2 = 516: 1,133.25 → 1,133
    assert rating.points == 1_133
    on_the_8th = rate(sale(FISH_OIL, day=date(2026, 12, 8)), rules)
    assert on_the_8th.points == 1_032  # ×4 beats the store's ×2
    on_a_date = RuleSet(1, member_days=(MemberDay("1212", 300, dates=frozenset({THURSDAY})),))
    assert rate(sale(FISH_OIL), on_a_date).points == 774


def test_excluded_lines_earn_nothing_and_do_not_count_to_spend() -> None:
    rules = RuleSet(
        points_per_yuan=1,
        excluded_categories=frozenset({"tobacco"}),
        excluded_skus=frozenset({"SK-CREAM-50"}),
        minimum_spend_fen=20_000,
        bonuses=(Bonus(25_000, 50), Bonus(30_000, 500)),
    )
    rating = rate(sale(FISH_OIL, CREAM, CIGARS), rules)
    assert rating.eligible_fen == 25_800  # only the fish oil
    assert rating.points == 258 + 50  # the 25,000 bonus; 30,000 is not reached
    assert rating.contributions == (Contribution("base", 258), Contribution("bonus:25000", 50))
    assert [line.rule for line in rating.lines] == [
        "base",
        "excluded:sku:SK-CREAM-50",
        "excluded:category:tobacco",
    ]
    below = rate(sale(CREAM, CIGARS, Line(4, "X", (), 19_999)), rules)
    assert below.points == 0
    assert below.contributions == (Contribution("minimum_spend", 0),)


def test_vouchers_lower_the_base_in_proportion() -> None:
    # 10,000 of vouchers over 25,800 + 12,345 = 38,145: fish oil 6,763.66 → 6,763,
    # cream 3,236.34 → 3,236, the fen left over to the largest line (fish oil 6,764)
    assert allocate([25_800, 12_345], 10_000) == [6_764, 3_236]
    rating = rate(sale(FISH_OIL, CREAM, vouchers=10_000), RuleSet(points_per_yuan=1))
    assert [line.net_fen for line in rating.lines] == [19_036, 9_109]
    assert rating.points == 281  # 28,145 fen


def test_allocation_edges() -> None:
    assert allocate([], 100) == []
    assert allocate([0, 0], 100) == [0, 0]
    assert allocate([100, 100], 1) == [1, 0]  # equal lines: the first takes the fen
    assert allocate([100, 50], 500) == [100, 50]  # never more than the lines


def test_caps_per_sale_then_per_member_day() -> None:
    rules = RuleSet(points_per_yuan=1, cap_per_sale=200, cap_per_member_day=500)
    rating = rate(sale(FISH_OIL), rules, earned_today=350)
    assert rating.points == 150
    assert rating.contributions == (
        Contribution("base", 258),
        Contribution("cap:sale", -58),
        Contribution("cap:member_day", -50),
    )
    assert rate(sale(FISH_OIL), rules, earned_today=600).points == 0


@given(
    amounts=st.lists(st.integers(0, MAX_SALE_TOTAL_FEN // 200), min_size=1, max_size=200),
    vouchers=st.integers(0, MAX_SALE_TOTAL_FEN),
)
def test_vouchers_are_shared_out_exactly(amounts: list[int], vouchers: int) -> None:
    shares = allocate(amounts, vouchers)
    assert sum(shares) == min(vouchers, sum(amounts))
    assert all(0 <= share <= amount for share, amount in zip(shares, amounts, strict=True))


@given(
    amounts=st.lists(st.integers(0, MAX_SALE_TOTAL_FEN // 200), min_size=1, max_size=20),
    per_yuan=st.integers(0, 1_000),
    percents=st.lists(st.integers(0, MAX_MULTIPLIER_PERCENT), min_size=3, max_size=3),
)
def test_the_breakdown_adds_up_and_stays_within_the_best_rate(
    amounts: list[int], per_yuan: int, percents: list[int]
) -> None:
    lines = tuple(Line(n, f"S{n % 3}", (f"c{n % 2}",), a) for n, a in enumerate(amounts, 1))
    rules = RuleSet(
        per_yuan,
        tier_multipliers={"vip": percents[0]},
        category_multipliers={"c1": percents[1]},
        sku_multipliers={"S2": percents[2]},
    )
    rating = rate(sale(*lines, tier="vip"), rules)
    assert rating.points == sum(c.points for c in rating.contributions)
    best = max(100, *percents)
    assert 0 <= rating.points <= sum(amounts) * per_yuan * best // 10_000 <= MAX_POINTS_PER_SALE


def test_a_purchase_kept_before_the_rules_engine_replays_as_one_uncategorised_line() -> None:
    old = stored_sale(
        lines=None, total_fen=12_345, vouchers_fen=None, store_id=None, day=THURSDAY, tier_code=None
    )
    assert old.lines == (Line(0, "", (), 12_345),)
    assert (old.vouchers_fen, old.tier_code) == (0, "")
    rules = RuleSet(1, category_multipliers={"skincare": 300}, tier_multipliers={"vip": 500})
    assert rate(old, rules).points == 123  # no category, no tier: the plain rate
    kept = stored_sale(
        lines=[{"line_no": 2, "sku": "S", "categories": ["a", "top"], "amount_fen": 500}],
        total_fen=500,
        vouchers_fen=100,
        store_id=STORE,
        day=THURSDAY,
        tier_code="vip",
    )
    assert kept == Sale((Line(2, "S", ("a", "top"), 500),), 100, STORE, THURSDAY, "vip")


def test_a_stored_version_reads_back_as_the_rules_put() -> None:
    body = RuleSetIn.model_validate(
        {
            "points_per_yuan": 3,
            "tier_multipliers_percent": {"vip": 120},
            "category_multipliers_percent": {"health": 150},
            "sku_multipliers_percent": {"S": 200},
            "store_multipliers_percent": {str(STORE): 130},
            "member_days": [
                {"name": "md", "multiplier_percent": 200, "weekdays": [3], "dates": ["2026-12-12"]}
            ],
            "threshold_bonuses": [{"threshold_fen": 100, "points": 5}],
            "excluded_categories": ["tobacco"],
            "excluded_skus": ["G"],
            "minimum_spend_fen": 10,
            "cap_per_sale": 1_000,
            "cap_per_member_day": 2_000,
        }
    )
    assert rule_set(body) == RuleSet(
        3,
        tier_multipliers={"vip": 120},
        category_multipliers={"health": 150},
        sku_multipliers={"S": 200},
        store_multipliers={STORE: 130},
        member_days=(
            MemberDay("md", 200, weekdays=frozenset({3}), dates=frozenset({date(2026, 12, 12)})),
        ),
        bonuses=(Bonus(100, 5),),
        excluded_categories=frozenset({"tobacco"}),
        excluded_skus=frozenset({"G"}),
        minimum_spend_fen=10,
        cap_per_sale=1_000,
        cap_per_member_day=2_000,
    )
    assert stored_rule_set({"points_per_yuan": 1}) == RuleSet(1)
