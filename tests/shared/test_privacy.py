"""Scrubbing an erased member out of what a service retains: no personal field survives at
any depth, everything else stays as it was."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shared.privacy import (
    ERROR_SCRUBBED,
    PERSONAL_FIELDS,
    SCRUBBED_PAYLOAD,
    TOMBSTONE,
    is_personal,
    scrubbed,
    scrubbed_error,
    scrubbed_text,
    unlinkable,
)

_KEYS = st.sampled_from(
    [*sorted(PERSONAL_FIELDS), "phone_encrypted", "code_encrypted", "member_id", "points", "at"]
)
_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=20,
)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


@given(_JSON)
def test_no_personal_field_survives_at_any_depth(value: Any) -> None:
    clean = scrubbed(value)
    assert not any(is_personal(key) for key in _keys(clean))
    assert scrubbed(clean) == clean  # scrubbing again changes nothing


@given(st.dictionaries(st.sampled_from(["member_id", "points", "at"]), _JSON, max_size=3))
def test_what_is_not_personal_stays(value: dict[str, Any]) -> None:
    if not any(is_personal(key) for key in _keys(value)):
        assert scrubbed(value) == value


def test_an_event_keeps_its_ids_and_loses_its_contact_data() -> None:
    event = {
        "id": "e1",
        "data": {
            "member_id": "7d1c",
            "name": "李雷",
            "phone": "+8613812345678",
            "phone_hash": "ab12",
            "consent": {"sms": True},
            "birthday_encrypted": "gAAAA…",
        },
    }
    assert scrubbed(event) == {"id": "e1", "data": {"member_id": "7d1c", "consent": {"sms": True}}}


def test_a_dead_letter_keeps_only_what_names_no_one() -> None:
    assert scrubbed_text('{"member_id":"7d1c","email":"a@b.cn"}') == '{"member_id":"7d1c"}'
    assert scrubbed_text("not json 李雷") == SCRUBBED_PAYLOAD
    assert (
        scrubbed_error("ValidationError: input_value='李雷'")
        == f"ValidationError: {ERROR_SCRUBBED}"
    )
    once = scrubbed_error("KeyError: 'name'")
    assert scrubbed_error(once) == once


def test_an_unlinkable_value_fills_its_column_and_is_never_the_same() -> None:
    values = {unlinkable(32) for _ in range(100)}
    assert len(values) == 100
    assert all(len(v) == 32 and v.startswith(TOMBSTONE) for v in values)
