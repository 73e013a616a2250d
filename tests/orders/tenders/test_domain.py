"""The tender arithmetic and the refund allocation, as pure functions."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.orders.tenders.domain import (
    AT_THE_TILL,
    GIVEN_KINDS,
    Paid,
    Tendered,
    after_refund,
    allocate_refund,
    from_json,
    paid_out_fen,
    refunds_of,
    settle,
    to_json,
    unrecorded,
)
from services.orders.tenders.errors import TenderNotAccepted, TendersDoNotAddUp

EVERY_KIND = frozenset(GIVEN_KINDS)
"""To check the arithmetic of kinds the service does not accept yet."""


def test_card_and_cash_pay_the_total_and_cash_gives_the_change() -> None:
    paid = settle(45_700, [Tendered("card", 30_000), Tendered("cash", 20_000)])
    assert paid == (Paid("card", 30_000, 30_000), Paid("cash", 15_700, 20_000))
    assert [tender.change_fen for tender in paid] == [0, 4_300]


def test_cash_pays_what_is_left_wherever_it_is_listed() -> None:
    paid = settle(10_000, [Tendered("cash", 5_000), Tendered("card", 6_000)])
    assert paid == (Paid("cash", 4_000, 5_000), Paid("card", 6_000, 6_000))


def test_without_tenders_the_whole_total_is_one_unspecified_tender() -> None:
    assert settle(1_200, None) == (Paid("unspecified", 1_200, 1_200),)
    assert settle(0, None) == ()


@pytest.mark.parametrize("kind", ["stored_value", "points", "voucher"])
def test_kinds_loyalty_owns_are_refused_naming_the_field(kind: str) -> None:
    """Points and stored value only where the caller takes them (a sale posted on its own,
    AT_THE_TILL); vouchers nowhere yet."""
    with pytest.raises(TenderNotAccepted, match="not accepted") as refused:
        settle(1_000, [Tendered("card", 500), Tendered(kind, 500)])  # type: ignore[arg-type]
    assert refused.value.field == "tenders.1.kind"


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ([Tendered("card", 900)], "tenders", "100 fen short"),
        ([Tendered("card", 500), Tendered("cash", 300)], "tenders", "200 fen short"),
        ([Tendered("card", 1_001)], "tenders.0.amount_fen", "only cash gives change"),
        (
            [Tendered("card", 600), Tendered("card", 500)],
            "tenders.1.amount_fen",
            "more than the 400 fen left",
        ),
        (
            [Tendered("card", 1_000), Tendered("cash", 50)],
            "tenders.1.amount_fen",
            "nothing is left",
        ),
        ([Tendered("cash", 600), Tendered("cash", 600)], "tenders.1.kind", "cash appears twice"),
    ],
)
def test_tenders_that_do_not_add_up_are_refused_naming_the_field(
    given: list[Tendered], field: str, words: str
) -> None:
    with pytest.raises(TendersDoNotAddUp, match=words) as refused:
        settle(1_000, given)
    assert refused.value.field == field


def test_a_voucher_never_gives_change() -> None:
    with pytest.raises(TendersDoNotAddUp, match="only cash gives change") as refused:
        settle(1_000, [Tendered("cash", 200), Tendered("voucher", 1_500)], EVERY_KIND)
    assert refused.value.field == "tenders.1.amount_fen"
    assert settle(1_000, [Tendered("voucher", 300), Tendered("cash", 1_000)], EVERY_KIND) == (
        Paid("voucher", 300, 300),
        Paid("cash", 700, 1_000),
    )


def test_a_refund_goes_to_card_before_cash() -> None:
    paid: tuple[Paid, ...] = (Paid("cash", 15_700, 20_000), Paid("card", 30_000, 30_000))
    first = allocate_refund(paid, 19_900)
    assert first == (0, 19_900)
    paid = after_refund(paid, first)
    assert allocate_refund(paid, 25_800) == (15_700, 10_100)


def test_vouchers_are_refunded_in_proportion_and_not_paid_out() -> None:
    paid = (Paid("voucher", 3_000, 3_000), Paid("cash", 7_000, 7_000))
    half = allocate_refund(paid, 5_000)
    assert half == (1_500, 3_500)
    refunds = refunds_of(paid, half)
    assert [(r.kind, r.amount_fen, r.paid_out) for r in refunds] == [
        ("voucher", 1_500, False),
        ("cash", 3_500, True),
    ]
    assert paid_out_fen(refunds) == 3_500
    assert allocate_refund(after_refund(paid, half), 5_000) == (1_500, 3_500)


def test_a_sale_recorded_before_tenders_refunds_what_its_returns_left() -> None:
    paid = unrecorded(10_000, 4_000)
    assert paid == (Paid("unspecified", 10_000, 10_000, 4_000),)
    assert allocate_refund(paid, 6_000) == (6_000,)
    with pytest.raises(ValueError, match="exceeds"):
        allocate_refund(paid, 6_001)


@st.composite
def sales(draw: st.DrawFn) -> tuple[tuple[Paid, ...], list[int]]:
    """Tenders of any kinds and a sequence of returns that add up to at most the total."""
    kinds = draw(st.lists(st.sampled_from([*GIVEN_KINDS, "unspecified"]), min_size=1, max_size=6))
    amounts = draw(st.lists(st.integers(1, 100_000), min_size=len(kinds), max_size=len(kinds)))
    paid = tuple(Paid(kind, amount, amount) for kind, amount in zip(kinds, amounts, strict=True))  # type: ignore[arg-type]
    left = sum(amounts)
    returns: list[int] = []
    while left and len(returns) < 8:
        amount = draw(st.integers(0, left))
        returns.append(amount)
        left -= amount
    if draw(st.booleans()):
        returns.append(left)  # the rest: the sale comes back in full
    return paid, returns


@given(sales())
def test_refunds_add_up_and_never_exceed_what_a_tender_paid(
    sale: tuple[tuple[Paid, ...], list[int]],
) -> None:
    paid, returns = sale
    for amount in returns:
        refunds = allocate_refund(paid, amount)
        assert sum(refunds) == amount
        assert all(0 <= r <= t.refundable_fen for r, t in zip(refunds, paid, strict=True))
        paid = after_refund(paid, refunds)
    if sum(returns) == sum(t.amount_fen for t in paid):
        assert all(t.refunded_fen == t.amount_fen for t in paid)


@given(sales())
def test_a_voucher_is_refunded_ahead_of_its_share_only_when_nothing_else_is_left(
    sale: tuple[tuple[Paid, ...], list[int]],
) -> None:
    paid, returns = sale
    total = sum(t.amount_fen for t in paid)
    returned = 0
    for amount in returns:
        paid = after_refund(paid, allocate_refund(paid, amount))
        returned += amount
        others_left = any(t.refundable_fen for t in paid if t.kind not in ("voucher", "points"))
        for tender in paid:
            if tender.kind == "voucher" and others_left:
                assert tender.refunded_fen * total <= tender.amount_fen * returned


@given(
    st.integers(0, 10**6),
    st.lists(
        st.tuples(st.sampled_from(["card", "cash"]), st.integers(1, 10**6)), min_size=1, max_size=5
    ),
)
def test_what_settles_pays_the_total_exactly(total: int, given: list[tuple[str, int]]) -> None:
    try:
        paid = settle(total, [Tendered(kind, amount) for kind, amount in given])  # type: ignore[arg-type]
    except TendersDoNotAddUp:
        return
    assert sum(t.amount_fen for t in paid) == total
    assert all(t.change_fen == 0 for t in paid if t.kind != "cash")
    assert all(t.amount_fen >= 1 for t in paid)


RESERVATION = uuid.UUID("3a1f0c5e-7b2d-4c8e-9f10-2b3c4d5e6f70")


def test_a_sale_at_the_till_pays_with_one_reservation_of_points() -> None:
    given_ = [Tendered("points", 5_000, RESERVATION), Tendered("cash", 50_000)]
    paid = settle(45_700, given_, AT_THE_TILL)
    assert paid == (
        Paid("points", 5_000, 5_000, reservation_id=RESERVATION),
        Paid("cash", 40_700, 50_000),
    )
    stored = uuid.uuid4()
    both = [Tendered("stored_value", 700, stored), *given_]
    assert settle(45_700, both, AT_THE_TILL)[0] == Paid(
        "stored_value", 700, 700, reservation_id=stored
    )


@pytest.mark.parametrize("kind", ["points", "stored_value"])
def test_a_second_held_tender_of_a_kind_or_one_past_the_total_are_refused(kind: str) -> None:
    twice = [Tendered(kind, 100, RESERVATION), Tendered(kind, 100, uuid.uuid4())]  # type: ignore[arg-type]
    with pytest.raises(TendersDoNotAddUp, match=f"{kind} appears twice") as refused:
        settle(1_000, [*twice, Tendered("card", 800)], AT_THE_TILL)
    assert refused.value.field == "tenders.1.kind"
    with pytest.raises(TendersDoNotAddUp) as too_much:
        settle(1_000, [Tendered("points", 1_001, RESERVATION)], AT_THE_TILL)
    assert too_much.value.field == "tenders.0.amount_fen"


def test_the_points_tender_keeps_its_reservation_in_the_sale_row() -> None:
    paid = (Paid("points", 700, 700, 200, RESERVATION), Paid("card", 300, 300))
    rows = to_json(paid)
    assert rows == [
        {
            "kind": "points",
            "amount_fen": 700,
            "tendered_fen": 700,
            "refunded_fen": 200,
            "reservation_id": str(RESERVATION),
        },
        {"kind": "card", "amount_fen": 300, "tendered_fen": 300, "refunded_fen": 0},
    ]
    assert from_json(rows) == paid
