from __future__ import annotations

from services.analytics.facts import domain


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
