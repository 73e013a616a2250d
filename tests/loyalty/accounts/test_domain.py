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


NOW = T0 + timedelta(days=10)


def _lot(
    remaining: int,
    earned_days: int,
    expires_days: int | None = None,
    pending_days: int = 0,
) -> OpenLot:
    expires = None if expires_days is None else T0 + timedelta(days=expires_days)
    earned = T0 + timedelta(days=earned_days)
    return OpenLot(uuid.uuid4(), remaining, earned, expires, earned + timedelta(days=pending_days))


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
    assert domain.consume(lots, 120, now=NOW) == [
        (expires_soon.lot_id, 0),
        (expires_late.lot_id, 0),
        (old_forever.lot_id, 60),
    ]
    assert domain.consume(lots, 30, now=NOW) == [(expires_soon.lot_id, 0)]
    assert domain.consume(lots, 0, now=NOW) == []


def test_lots_that_do_not_cover_a_debit_are_a_corrupt_ledger() -> None:
    with pytest.raises(ValueError, match="hold 100 points, 101 are due"):
        domain.consume([_lot(100, earned_days=0)], 101, now=NOW)


def test_a_spend_takes_only_available_lots_and_is_refused_beyond_them() -> None:
    available = _lot(100, earned_days=0)
    pending = _lot(300, earned_days=8, expires_days=30, pending_days=7)  # available on day 15
    lots = [pending, available]
    assert domain.available_points(lots, NOW) == 100
    assert domain.consume(lots, 80, now=NOW) == [(available.lot_id, 20)]
    domain.check_spendable(lots, 100, NOW)
    with pytest.raises(
        InsufficientPoints, match="available 100, pending 300, requested 101"
    ) as short:
        domain.check_spendable(lots, 101, NOW)
    assert short.value.extensions == {"balance": 100, "requested": 101, "pending": 300}
    later = T0 + timedelta(days=15)  # the window is over: the lot is available from then on
    assert domain.available_points(lots, later) == 400
    assert domain.consume(lots, 350, now=later) == [(pending.lot_id, 0), (available.lot_id, 50)]


def test_a_lot_without_a_window_is_available_even_to_a_clock_running_behind() -> None:
    earned = _lot(100, earned_days=12)  # stamped by the database, after the app's NOW
    assert earned.available(NOW)
    assert not _lot(100, earned_days=12, pending_days=1).available(NOW)


def test_a_correction_takes_its_own_lot_then_pending_then_available_points() -> None:
    available = _lot(100, earned_days=0, expires_days=20)
    older_pending = _lot(40, earned_days=5, pending_days=7)
    newer_pending = _lot(60, earned_days=9, pending_days=7)
    own = _lot(50, earned_days=1)  # the returned purchase's lot, available already
    lots = [available, older_pending, own, newer_pending]
    assert domain.consume(lots, 180, now=NOW, spend=False, first=own.lot_id) == [
        (own.lot_id, 0),
        (newer_pending.lot_id, 0),
        (older_pending.lot_id, 0),
        (available.lot_id, 70),
    ]
    assert domain.consume(lots, 30, now=NOW, spend=False) == [(newer_pending.lot_id, 30)]


@pytest.mark.parametrize(
    ("source", "allowed", "refused"),
    [
        ("purchase", [0, 5], [-1]),
        ("return", [0, -5], [1]),
        ("redemption", [-1], [0, 1]),
        ("adjustment", [-5, 0, 5], []),
        ("expiry", [-1, -5], [0, 1]),
        ("recovery", [-1, -5], [0, 1]),
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


def test_points_moved_to_a_household_keep_the_first_expiry_and_the_last_pending_date() -> None:
    now = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    expiring = OpenLot(uuid.uuid4(), 30, now - timedelta(days=40), now + timedelta(days=20), now)
    pending = OpenLot(
        uuid.uuid4(),
        50,
        now - timedelta(days=2),
        now + timedelta(days=300),
        now + timedelta(days=5),
    )
    later = OpenLot(
        uuid.uuid4(), 20, now - timedelta(days=1), None, now + timedelta(days=6, hours=3)
    )
    lots = [expiring, pending, later]
    used = domain.consume(lots, 100, now=now, spend=False)
    terms = domain.transfer_terms(lots, used, now)
    assert terms.expires_at == now + timedelta(days=20)
    assert terms.pending == timedelta(days=6, hours=3)
    available_only = domain.transfer_terms(lots, [(expiring.lot_id, 0)], now)
    assert (available_only.expires_at, available_only.pending) == (
        expiring.expires_at,
        timedelta(0),
    )


def _drawn(debit: int, position: int, left: int, expires_days: int | None) -> domain.Drawn:
    expires = None if expires_days is None else T0 + timedelta(days=expires_days)
    return domain.Drawn(debit, uuid.uuid4(), position, left, T0, T0, expires)


def test_a_debit_records_what_it_took_from_each_lot_in_order() -> None:
    soon, late = _lot(300, earned_days=0, expires_days=30), _lot(500, earned_days=1)
    kept = domain.consume([late, soon], 600, now=NOW)
    assert domain.drawn([late, soon], kept) == [(soon.lot_id, 300), (late.lot_id, 300)]


def test_a_give_back_restores_the_last_drawn_lots_of_the_latest_debit_first() -> None:
    # a hold took 300 (expiring day 30) then 300 (day 70); a retake since took 50 (never)
    hold_first, hold_second = _drawn(1, 0, 300, 30), _drawn(1, 1, 300, 70)
    retake = _drawn(0, 0, 50, None)
    draws = [hold_first, hold_second, retake]
    assert domain.restoration(draws, 30) == domain.Restoration(((retake, 30),), 0)
    assert domain.restoration(draws, 400) == domain.Restoration(
        ((retake, 50), (hold_second, 300), (hold_first, 50)), 0
    )
    # 700 is 50 more than was drawn: those come back on the credit's own terms
    assert domain.restoration(draws, 700) == domain.Restoration(
        ((retake, 50), (hold_second, 300), (hold_first, 300)), 50
    )
    assert domain.restoration([], 120) == domain.Restoration((), 120)
    # a draw given back already in part has only the rest left
    assert domain.restoration([_drawn(0, 0, 0, 30), hold_first], 100) == domain.Restoration(
        ((hold_first, 100),), 0
    )
