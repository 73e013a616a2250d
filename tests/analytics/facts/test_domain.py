from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.analytics.facts import domain
from services.analytics.facts.errors import AmountOutOfRange, RunningTotalFull
from shared.inputs import INT32_MAX, INT64_MAX, MAX_RUNNING_FEN, MAX_SALE_TOTAL_FEN


def test_a_partial_return_keeps_the_purchase_counted() -> None:
    effect = domain.apply_return(total_fen=10_000, returned_fen=0, amount_fen=4_000)
    assert effect == domain.ReturnEffect(4_000, 4_000, False, 0)


def test_the_return_that_completes_the_refund_removes_the_purchase_once() -> None:
    first = domain.apply_return(10_000, 0, 4_000)
    second = domain.apply_return(10_000, first.returned_fen, 6_000)
    assert second == domain.ReturnEffect(10_000, 6_000, True, -1)
    # refunds are capped at the total, and a purchase already fully returned stays removed once
    third = domain.apply_return(10_000, second.returned_fen, 500)
    assert third == domain.ReturnEffect(10_000, 0, True, 0)
    assert domain.apply_return(10_000, 0, 12_000) == domain.ReturnEffect(10_000, 10_000, True, -1)


def test_a_free_purchase_is_not_fully_returned_until_something_is_refunded() -> None:
    assert not domain.is_fully_returned(0, 0)
    assert domain.is_fully_returned(100, 100)


NOON = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def test_a_tier_change_beats_the_tier_an_account_was_opened_on() -> None:
    opened = domain.tier_after_opening(domain.Tier(None), "standard")
    assert opened == domain.Tier("standard", None)
    assert domain.tier_after_change(opened, "vip", NOON) == domain.Tier("vip", NOON)
    # the other way round: the opening only fills a gap
    changed = domain.Tier("vip", NOON)
    assert domain.tier_after_opening(changed, "standard") is None


def test_a_tier_change_older_than_the_one_held_is_ignored() -> None:
    held = domain.Tier("star", NOON)
    assert domain.tier_after_change(held, "vip", NOON - timedelta(seconds=1)) is None
    assert domain.tier_after_change(held, "angel", NOON) == domain.Tier("angel", NOON)


def test_a_tier_held_from_before_its_time_was_kept_gives_way_to_any_change() -> None:
    legacy = domain.Tier("vip", None)
    assert domain.tier_after_opening(legacy, "standard") is None
    earlier = NOON - timedelta(days=400)
    assert domain.tier_after_change(legacy, "star", earlier) == domain.Tier("star", earlier)


Change = tuple[str, datetime]


def _fold(start: domain.Tier, arrivals: list[Change | str]) -> domain.Tier:
    held = start
    for event in arrivals:
        if isinstance(event, str):
            after = domain.tier_after_opening(held, event)
        else:
            after = domain.tier_after_change(held, *event)
        held = held if after is None else after
    return held


_codes = st.sampled_from(["standard", "vip", "star", "angel"])
_changes = st.lists(
    st.tuples(_codes, st.integers(min_value=0, max_value=10**6)),
    max_size=6,
    unique_by=lambda change: change[1],
).map(lambda drawn: [(code, NOON + timedelta(seconds=s)) for code, s in drawn])


@given(
    changes=_changes,
    opening=st.one_of(st.none(), _codes),
    legacy=st.one_of(st.none(), _codes),
    data=st.data(),
)
def test_whatever_the_arrival_order_the_latest_change_wins_else_the_opening_tier(
    changes: list[Change], opening: str | None, legacy: str | None, data: st.DataObject
) -> None:
    """Every arrival order of the changes and the opening (the upgrade announces existing
    accounts after their changes, a replay can reorder anything) ends on the same tier."""
    events: list[Change | str] = [*changes, *([opening] if opening else [])]
    arrivals = data.draw(st.permutations(events))
    held = _fold(domain.Tier(legacy), arrivals)
    if changes:
        assert held == domain.Tier(*max(changes, key=lambda change: change[1]))
    else:
        assert held == domain.Tier(legacy or opening)


@pytest.mark.parametrize("amount", [0, 1, MAX_SALE_TOTAL_FEN])
def test_an_amount_within_a_sale_passes(amount: int) -> None:
    domain.check_amount(amount, "total")


@pytest.mark.parametrize("amount", [-1, MAX_SALE_TOTAL_FEN + 1, 2**63, 2**64])
def test_an_amount_outside_a_sale_is_refused(amount: int) -> None:
    with pytest.raises(AmountOutOfRange, match=f"total is {amount} fen"):
        domain.check_amount(amount, "total")


def test_a_members_totals_may_reach_their_caps_but_not_pass_them() -> None:
    member = uuid.uuid4()
    domain.check_member_totals(member, MAX_RUNNING_FEN, domain.MAX_PURCHASE_COUNT)
    with pytest.raises(RunningTotalFull, match="spend would reach"):
        domain.check_member_totals(member, MAX_RUNNING_FEN + 1, 1)
    with pytest.raises(RunningTotalFull, match="purchase count would reach"):
        domain.check_member_totals(member, 0, domain.MAX_PURCHASE_COUNT + 1)
    # the count's cap leaves room for the increment that passes it
    assert domain.MAX_PURCHASE_COUNT + 1 <= INT32_MAX
    # the spend's cap leaves room in bigint for the largest sale added to it
    assert MAX_RUNNING_FEN + MAX_SALE_TOTAL_FEN <= INT64_MAX
