"""The pure rules of bulk sends: states, pace, trigger ids and uploaded lists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.messaging.broadcasts import domain
from services.messaging.broadcasts.errors import AudienceRowsRefused, BroadcastStateConflict
from services.messaging.templates.rendering import catalog

NOW = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("action", "state", "allowed"),
    [
        ("start", "draft", True),
        ("start", "sending", False),
        ("upload", "scheduled", False),
        ("pause", "sending", True),
        ("pause", "completed", False),
        ("resume", "paused", True),
        ("resume", "cancelled", False),
        ("cancel", "paused", True),
        ("cancel", "completed", False),
    ],
)
def test_an_action_is_taken_only_in_its_states(
    action: domain.Action, state: domain.State, allowed: bool
) -> None:
    if allowed:
        domain.check_action(action, state)
        return
    with pytest.raises(BroadcastStateConflict) as refused:
        domain.check_action(action, state)
    assert refused.value.extensions == {"state": state}
    assert f"cannot {action} a {state} broadcast" in refused.value.detail


def test_only_a_marketing_template_needing_just_the_name_is_broadcast() -> None:
    entries = catalog()
    assert domain.broadcastable(entries["broadcast"])
    assert not domain.broadcastable(entries["ticket_survey"])  # marketing, needs a survey url
    assert not domain.broadcastable(entries["points_earned"])  # transactional


@given(st.integers(min_value=1, max_value=1000), st.integers(min_value=1, max_value=60))
def test_batches_at_their_pace_never_exceed_the_rate_and_one_batch_in_a_second(
    rate: int, seconds: int
) -> None:
    """Batches taken each as soon as allowed: in every second from a batch on, at most
    ``rate`` members and one more batch go."""
    size = domain.batch_size(rate)
    at, times = NOW, []
    while at < NOW + timedelta(seconds=seconds):
        times.append(at)
        at = domain.next_batch_at(at, size, rate)
    for start in times:
        in_second = sum(size for t in times if start <= t < start + timedelta(seconds=1))
        assert in_second <= rate + size
    assert len(times) * size >= rate * seconds - size  # and no slower than the rate


def test_a_batch_is_a_fifth_of_a_second_of_the_rate_and_at_least_one() -> None:
    assert [domain.batch_size(r) for r in (1, 4, 5, 10, 1000)] == [1, 1, 1, 2, 200]


@given(st.uuids(), st.uuids(), st.uuids())
def test_a_recipients_trigger_is_stable_distinct_and_fits_the_column(
    broadcast: uuid.UUID, member: uuid.UUID, other: uuid.UUID
) -> None:
    trigger = domain.trigger_id(broadcast, member)
    assert trigger == domain.trigger_id(broadcast, member)
    assert len(trigger) <= 64  # notifications.trigger_event_id
    if other != member:
        assert trigger != domain.trigger_id(broadcast, other)
    if other != broadcast:
        assert trigger != domain.trigger_id(other, member)


def test_an_uploaded_list_reads_its_first_known_column_and_skips_blank_rows() -> None:
    listed = domain.parse_upload(
        "note,Phone,card_number\r\na,+8613912345678,886\r\n,,\r\nb,137 0000 1111,\r\n"
    )
    assert listed.column == "phone"
    assert listed.values == ((2, "+8613912345678"), (4, "+8613700001111"))  # in E.164


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the header names none of member_id, card_number, phone"),
        ("mobile\r\n139\r\n", "the header names none of"),
        ("phone\r\n\r\n", "the list names nobody"),
    ],
)
def test_a_list_naming_nobody_is_refused_at_once(text: str, message: str) -> None:
    with pytest.raises(AudienceRowsRefused) as refused:
        domain.parse_upload(text)
    assert message in refused.value.detail
    assert refused.value.field in ("row.1", "row.2")


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("member_id\r\nnot-a-uuid\r\n", 2, "member_id 'not-a-uuid' is not a UUID"),
        ("card_number,note\r\n886,a\r\n,b\r\n", 3, "card_number is empty"),
        ("phone\r\n+86 139\r\n", 2, "phone is not a valid phone number for country code +86"),
        ("phone\r\n010 6552 9988\r\n", 2, "phone is not a mobile number, so it cannot receive SMS"),
    ],
)
def test_a_bad_row_is_kept_with_its_number(text: str, row: int, message: str) -> None:
    assert domain.parse_upload(text).errors == (domain.RowError(row, message),)


def test_the_refusal_names_every_bad_row_in_order() -> None:
    text = "member_id\r\n" + "\r\n".join(["x", str(uuid.uuid4()), "y"]) + "\r\n"
    listed = domain.parse_upload(text)
    refused = domain.refused([domain.RowError(3, "names nobody"), *listed.errors])
    assert [r["row"] for r in refused.extensions["rows"]] == [2, 3, 4]
    assert refused.field == "row.2"
    assert refused.detail.startswith("3 row(s) refused; row 2:")


def test_a_stored_template_is_read_back_as_a_template_key() -> None:
    assert domain.template("broadcast") == "broadcast"
    with pytest.raises(ValueError, match="unknown template 'gone'"):
        domain.template("gone")
