"""The kernel's pure rules: the floor and cap of a balance, which lots a debit uses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.loyalty.accounts import domain
from services.loyalty.accounts.domain import SOURCE_POINTS, OpenLot
from services.loyalty.accounts.errors import BalanceLimitReached, InsufficientPoints
from shared.inputs import MAX_BALANCE

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _lot(remaining: int, earned_days: int, expires_days: int | None = None) -> OpenLot:
    expires = None if expires_days is None else T0 + timedelta(days=expires_days)
    return OpenLot(uuid.uuid4(), remaining, T0 + timedelta(days=earned_days), expires)


def test_a_balance_never_goes_below_zero_nor_past_its_cap() -> None:
    assert domain.balance_after(200, -200) == 0
    assert domain.balance_after(MAX_BALANCE - 5, 5) == MAX_BALANCE
    with pytest.raises(InsufficientPoints, match="balance 200, requested 201") as short:
        domain.balance_after(200, -201)
    assert short.value.extensions == {"balance": 200, "requested": 201}
    with pytest.raises(BalanceLimitReached, match=f"at most {MAX_BALANCE}"):
        domain.balance_after(MAX_BALANCE - 5, 6)


def test_a_debit_takes_the_nearest_expiry_first_then_the_oldest() -> None:
    old_forever = _lot(100, earned_days=0)
    new_forever = _lot(100, earned_days=5)
    expires_late = _lot(50, earned_days=3, expires_days=400)
    expires_soon = _lot(30, earned_days=4, expires_days=100)
    lots = [new_forever, expires_late, old_forever, expires_soon]
    assert domain.consume(lots, 120) == [
        (expires_soon.lot_id, 0),
        (expires_late.lot_id, 0),
        (old_forever.lot_id, 60),
    ]
    assert domain.consume(lots, 30) == [(expires_soon.lot_id, 0)]
    assert domain.consume(lots, 0) == []


def test_lots_that_do_not_cover_a_debit_are_a_corrupt_ledger() -> None:
    with pytest.raises(ValueError, match="hold 100 points, 101 are due"):
        domain.consume([_lot(100, earned_days=0)], 101)


@pytest.mark.parametrize(
    ("source", "allowed", "refused"),
    [
        ("purchase", [0, 5], [-1]),
        ("return", [0, -5], [1]),
        ("redemption", [-1], [0, 1]),
        ("adjustment", [-5, 0, 5], []),
        ("till_hold", [-1, -500], [0, 1]),
        ("till_release", [1, 500], [0, -1]),
        ("till_refund", [1, 500], [0, -1]),
        ("till_retake", [0, -500], [1]),
    ],
)
def test_each_source_type_moves_points_of_its_sign(
    source: domain.SourceType, allowed: list[int], refused: list[int]
) -> None:
    assert all(SOURCE_POINTS[source].admits(points) for points in allowed)
    assert not any(SOURCE_POINTS[source].admits(points) for points in refused)
