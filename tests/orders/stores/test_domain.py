"""The shape of store keys and when a key works, as properties."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.orders.stores.domain import KeyTimes, key_id_in, new_key

MOMENTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def test_a_new_key_carries_its_id_and_an_older_key_none() -> None:
    for _ in range(200):
        key_id, api_key = new_key()
        assert key_id_in(api_key) == key_id
        assert len(key_id) == 16
        assert key_id_in(f"hy_{secrets.token_urlsafe(32)}") is None  # before key ids


@given(st.text(max_size=80))
def test_any_other_text_claims_no_key_id_or_a_16_hex_one(text: str) -> None:
    claimed = key_id_in(text)
    assert claimed is None or (len(claimed) == 16 and text.startswith(f"hy_{claimed}_"))


@given(MOMENTS, st.none() | MOMENTS, st.none() | MOMENTS)
def test_a_key_works_until_revoked_or_expired(
    now: datetime, expires: datetime | None, revoked: datetime | None
) -> None:
    state = KeyTimes(expires, revoked).state(now)
    if revoked is not None and revoked <= now:
        assert state == "revoked"
    elif expires is not None and expires <= now:
        assert state == "expired"
    else:
        assert state == "active"
