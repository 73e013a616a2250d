from __future__ import annotations

from services.loyalty.points import domain


def _reversal(
    amount: int, *, returned: int = 0, reversed_: int = 0, balance: int = 10**6
) -> domain.Reversal:
    return domain.reversal_for(
        points_earned=100,
        points_reversed=reversed_,
        total_fen=30_000,
        returned_fen=returned,
        amount_fen=amount,
        balance=balance,
    )


def test_reversal_is_proportional_and_rounds_down() -> None:
    first = _reversal(10_000)  # a third of 100 points is 33.3
    assert (first.points, first.shortfall, first.returned_fen) == (33, 0, 10_000)


def test_the_return_that_completes_the_purchase_takes_the_remainder() -> None:
    last = _reversal(10_000, returned=20_000, reversed_=66)
    assert last.points == 34  # 33 + 33 + 34 = 100, nothing left behind by rounding


def test_reversals_never_exceed_what_was_earned() -> None:
    beyond = _reversal(50_000, returned=20_000, reversed_=66)  # refund larger than what is left
    assert (beyond.points, beyond.returned_fen) == (34, 10_000)
    nothing_left = _reversal(5_000, returned=30_000, reversed_=100)
    assert (nothing_left.points, nothing_left.returned_fen) == (0, 0)


def test_spent_points_are_recorded_as_shortfall_not_debt() -> None:
    spent = _reversal(30_000, balance=40)
    assert (spent.points, spent.shortfall, spent.charged) == (40, 60, 100)
