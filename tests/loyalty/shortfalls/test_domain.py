"""Paying back shortfalls, by hand and as a property."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.shortfalls.domain import Owed, payback

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def test_earnings_pay_the_oldest_shortfall_first_and_never_more_than_owed() -> None:
    owed = [Owed(A, 5), Owed(B, 0), Owed(C, 4)]
    assert payback(owed, 7) == [(A, 5), (C, 2)]
    assert payback(owed, 9) == [(A, 5), (C, 4)]
    assert payback(owed, 20) == [(A, 5), (C, 4)]
    assert payback(owed, 3) == [(A, 3)]
    assert payback(owed, 0) == []
    assert payback([], 10) == []


@given(st.lists(st.integers(0, 10**6), max_size=20), st.integers(0, 10**7))
def test_a_payback_is_what_it_can_be_and_no_more(outstanding: list[int], earned: int) -> None:
    owed = [Owed(uuid.uuid4(), points) for points in outstanding]
    paid = payback(owed, earned)
    assert sum(points for _, points in paid) == min(earned, sum(outstanding))
    by_entry = {entry.entry_id: entry.outstanding for entry in owed}
    assert all(0 < points <= by_entry[entry] for entry, points in paid)
    order = [entry.entry_id for entry in owed]
    assert [order.index(entry) for entry, _ in paid] == sorted(order.index(e) for e, _ in paid)
