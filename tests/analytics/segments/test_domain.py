"""How a run's difference is cut into events."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from services.analytics.segments import domain

ids = st.lists(st.uuids(), unique=True, max_size=60)


def test_no_difference_is_one_empty_chunk() -> None:
    assert domain.chunks([], [], 1_000) == [([], [])]


def test_added_first_then_removed_sharing_a_chunk() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert domain.chunks([a, b], [c], 2) == [([a, b], []), ([], [c])]
    assert domain.chunks([a], [b, c], 2) == [([a], [b]), ([], [c])]


@given(ids, ids, st.integers(1, 25))
def test_chunks_keep_every_id_once_in_order_within_the_size(
    added: list[uuid.UUID], removed: list[uuid.UUID], size: int
) -> None:
    parts = domain.chunks(added, removed, size)
    assert all(1 <= len(a) + len(r) <= size for a, r in parts) or parts == [([], [])]
    assert [m for a, _ in parts for m in a] == added
    assert [m for _, r in parts for m in r] == removed
    assert len(parts) == max(1, -(-(len(added) + len(removed)) // size))
