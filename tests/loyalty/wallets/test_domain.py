"""Stored value's pure rules, with hand-computed fen."""

from __future__ import annotations

import uuid

from services.loyalty.wallets.domain import (
    BonusTier,
    Drawn,
    Lot,
    Split,
    bonus_for,
    draws,
    left_in,
    restorations,
)

SEED_001 = [BonusTier(10_000, 10_000), BonusTier(50_000, 20_000), BonusTier(100_000, 20_000)]


def test_the_highest_tier_reached_gives_the_bonus() -> None:
    assert bonus_for(SEED_001, 9_999) == 0
    assert bonus_for(SEED_001, 10_000) == 10_000  # 预存100得200
    assert bonus_for(SEED_001, 60_000) == 20_000  # reaches 500, not 1000
    assert bonus_for(list(reversed(SEED_001)), 150_000) == 20_000  # order of tiers is no matter
    assert bonus_for([], 1_000_000) == 0


def test_a_lot_keeps_principal_and_bonus_in_proportion_as_it_is_spent() -> None:
    # 100 yuan + 100 bonus; 3,333 spent: principal spent floor(3,333 / 2) = 1,666
    assert left_in(10_000, 10_000, 20_000 - 3_333) == Split(8_334, 8_333)
    assert left_in(10_000, 10_000, 20_000 - 6_666) == Split(6_667, 6_667)
    # 600 yuan + 200 bonus, 1 fen spent: floor(1 × 3 / 4) = 0 principal, the fen is bonus
    assert left_in(60_000, 20_000, 79_999) == Split(60_000, 19_999)
    assert left_in(60_000, 20_000, 0) == Split(0, 0)
    assert left_in(500, 0, 123) == Split(123, 0)


def test_payments_take_the_oldest_lot_first_and_sum_exactly() -> None:
    a, b, store_a, store_b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    old = Lot(a, store_a, 10_000, 10_000, 20_000 - 3_333)  # 8,334 + 8,333 left
    new = Lot(b, store_b, 60_000, 20_000, 80_000)
    taken = draws([old, new], 20_000)
    # the old lot's 16,667 first (all of it), then 3,333 of the new one:
    # floor(3,333 × 60,000 / 80,000) = 2,499 principal, 834 bonus
    assert [(d.lot_id, d.store_id, d.taken) for d in taken] == [
        (a, store_a, Split(8_334, 8_333)),
        (b, store_b, Split(2_499, 834)),
    ]
    assert sum(d.taken.total for d in taken) == 20_000
    assert draws([old, new], 1) == [draws([old], 1)[0]]
    assert draws([Lot(a, store_a, 100, 0, 0), new], 5)[0].lot_id == b  # empty lots skipped


def test_giving_back_refills_the_lot_drawn_last_first_never_past_what_it_gave() -> None:
    a, b, store = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # a payment of 20,000 drew 16,667 from lot a (now empty) and 3,333 from lot b
    old = Drawn(Lot(a, store, 10_000, 10_000, 3_333), drawn=16_667, restored=0)
    new = Drawn(Lot(b, store, 60_000, 20_000, 76_667), drawn=3_333, restored=0)
    back = restorations([old, new], 4_000)
    # b gets its 3,333 back (spent 0: 2,499 principal, 834 bonus, as it gave them), then a
    # 667: spent there falls from 16,667 to 16,000, principal spent from 8,333 to 8,000
    assert [(d.lot_id, d.taken) for d in back] == [
        (b, Split(2_499, 834)),
        (a, Split(333, 334)),
    ]
    assert restorations([Drawn(old.lot, 16_667, 16_667), new], 3_333)[0].lot_id == b
