"""Each repeat is blamed on the last fault before its first copy arrived, and a fault
followed by more repeats than can be in flight fails the run."""

from __future__ import annotations

from datetime import UTC, datetime

from huiyuan.embedded.provider_store import (
    Inbox,
    ReceivedEmail,
    ReceivedSms,
    Repeats,
    SmsReplay,
)
from tests.faults.repeats import BEFORE_ANY_FAULT, FaultAt, tally

T0 = 1_800_000_000.0


def _at(seconds: float) -> str:
    return datetime.fromtimestamp(T0 + seconds, UTC).isoformat()


def _email(email_id: str, seconds: float, repeat_of: str | None = None) -> ReceivedEmail:
    return ReceivedEmail(
        id=email_id,
        received_at=_at(seconds),
        mail_from="noreply@huiyuan.local",
        rcpt_tos=["m@example.com"],
        subject="积分到账",
        text="",
        message_id=f"<{repeat_of or email_id}@huiyuan.local>",
        repeat_of=repeat_of,
    )


def _sms(sms_id: str, seconds: float) -> ReceivedSms:
    return ReceivedSms(sms_id, _at(seconds), "+8613912345678", "积分", "Huiyuan", sms_id)


FAULTS = [FaultAt(T0 + 10, "kill:messaging"), FaultAt(T0 + 20, "restart:postgres")]


def test_a_repeat_is_blamed_on_the_fault_before_its_first_copy() -> None:
    # e1 arrived at 9.5 s, just before the kill cut its outcome's commit (the slack); its
    # repeat came at 70 s, after the restart, once the lease ran out. s1 arrived at 25 s,
    # after the restart.
    e1, again = _email("e1", 9.5), _email("e2", 70, repeat_of="e1")
    s1 = _sms("s1", 25)
    inbox = Inbox(emails=[e1, again], sms=[s1])
    repeats = Repeats(emails=[again], sms=[SmsReplay(_at(80), "s1", "s1")])

    found = tally(repeats, inbox, FAULTS, limit=24)

    assert found.per_fault == {"kill:messaging": [1], "restart:postgres": [1]}
    assert found.total == 2
    assert found.over_limit() == []


def test_more_repeats_than_in_flight_after_one_fault_or_any_before_the_first_fail() -> None:
    sms = [_sms(f"s{n}", 12) for n in range(3)] + [_sms("early", 2)]
    replays = [SmsReplay(_at(80), s.id, s.id) for s in sms]

    found = tally(Repeats(emails=[], sms=replays), Inbox([], sms), FAULTS, limit=2)

    assert found.per_fault == {
        "kill:messaging": [3],
        "restart:postgres": [0],
        BEFORE_ANY_FAULT: [1],
    }
    assert found.over_limit() == [
        "kill:messaging: 3 repeats after one fault, more than the 2 in flight",
        "1 repeats before any fault",
    ]
