"""Pricing a reservation and refunding a points tender, by hand-computed cases."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.reservations import domain
from services.loyalty.reservations.domain import Priced, TillRate
from services.loyalty.reservations.errors import PointsShareExceeded, TooFewPoints

RATE = TillRate(points_per_yuan=100, max_share_percent=50)


@pytest.mark.parametrize(
    ("rate", "total", "points", "amount", "priced"),
    [
        (RATE, 45_700, 5_000, None, Priced(5_000, 5_000)),  # 100 points = 1 yuan = 100 fen
        (RATE, 45_700, None, 2_000, Priced(2_000, 2_000)),
        (TillRate(200, 50), 10_000, 150, None, Priced(150, 75)),  # 150 × 100 / 200 = 75 fen
        (TillRate(200, 50), 10_000, 3, None, Priced(2, 1)),  # 3 points pay 1 fen, which costs 2
        (TillRate(150, 50), 10_000, None, 1, Priced(2, 1)),  # 1.5 points charged as 2
        (TillRate(50, 100), 10_000, None, 10_000, Priced(5_000, 10_000)),  # the whole sale
        (RATE, 45_700, None, 22_850, Priced(22_850, 22_850)),  # exactly 50%
    ],
)
def test_a_reservation_is_priced_at_the_rate(
    rate: TillRate, total: int, points: int | None, amount: int | None, priced: Priced
) -> None:
    assert domain.price(rate, total, points=points, amount_fen=amount) == priced


def test_more_than_the_share_of_the_sale_is_refused() -> None:
    with pytest.raises(PointsShareExceeded) as refused:
        domain.price(RATE, 45_700, amount_fen=22_851)
    assert refused.value.field == "amount_fen"
    assert "22850 fen of 45700 fen" in refused.value.detail
    with pytest.raises(PointsShareExceeded) as by_points:
        domain.price(RATE, 45_700, points=22_900)
    assert by_points.value.field == "points"


def test_points_worth_less_than_a_fen_are_refused() -> None:
    with pytest.raises(TooFewPoints) as refused:
        domain.price(TillRate(200, 50), 10_000, points=1)
    assert refused.value.field == "points"


def test_points_or_amount_not_both() -> None:
    with pytest.raises(ValueError, match="not both"):
        domain.price(RATE, 100, points=1, amount_fen=1)


@pytest.mark.parametrize(
    ("refunds", "points"),
    [
        ([1_000], [333]),  # 999 × 1000 / 3000 = 333 (rounded down)
        ([1_000, 1_000, 1_000], [333, 333, 333]),  # the last refund takes what is left
        ([1_500, 1_500], [499, 500]),  # 999 × 1500 / 3000 = 499.5 → 499, then the rest
        ([3_000], [999]),
        ([1, 2_999], [0, 999]),
    ],
)
def test_refunds_give_back_points_in_proportion(refunds: list[int], points: list[int]) -> None:
    refunded_fen = refunded_points = 0
    given_back = []
    for refund in refunds:
        share = domain.refund_points(
            points=999,
            amount_fen=3_000,
            refunded_fen=refunded_fen,
            refunded_points=refunded_points,
            refund_fen=refund,
        )
        given_back.append(share)
        refunded_fen += refund
        refunded_points += share
    assert given_back == points


def test_a_refund_beyond_the_tender_is_an_error() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        domain.refund_points(
            points=10, amount_fen=10, refunded_fen=5, refunded_points=5, refund_fen=6
        )


@given(
    points=st.integers(1, 10**12),
    amount=st.integers(1, 10**6),
    cuts=st.lists(st.integers(1, 10**6), max_size=8),
)
def test_refunds_add_up_to_the_points_taken(points: int, amount: int, cuts: list[int]) -> None:
    """Whatever the returns, the refunds are never negative, never more than taken, and
    the whole tender back gives back exactly the points."""
    refunded_fen = refunded_points = 0
    for cut in [*cuts, amount]:
        refund = min(cut, amount - refunded_fen)
        share = domain.refund_points(
            points=points,
            amount_fen=amount,
            refunded_fen=refunded_fen,
            refunded_points=refunded_points,
            refund_fen=refund,
        )
        assert share >= 0
        refunded_fen += refund
        refunded_points += share
        assert refunded_points <= points
    assert (refunded_fen, refunded_points) == (amount, points)


@given(total=st.integers(1, 10**10), share=st.integers(1, 100), rate=st.integers(1, 10_000))
def test_an_amount_costs_no_less_than_its_worth(total: int, share: int, rate: int) -> None:
    amount = domain.max_amount(total, share)
    if amount == 0:
        return
    priced = domain.price(TillRate(rate, share), total, amount_fen=amount)
    assert priced.points * 100 >= amount * rate > (priced.points - 1) * 100


def test_a_refund_gives_back_what_a_retake_took_before_what_the_hold_took() -> None:
    reservation_id = uuid.uuid4()
    assert [(s.type, s.id) for s in domain.spent_by(reservation_id)] == [
        ("till_retake", reservation_id),
        ("till_hold", reservation_id),
    ]
