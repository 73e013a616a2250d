"""What a member received twice during a fault run, each repeat blamed on one fault.

A repeat is a second copy at a local provider: an email whose Message-ID the mail catcher
already had, or an SMS the gateway absorbed by its Idempotency-Key (a provider without
idempotency would have delivered it). The dispatcher records each outcome as its send
completes, so a fault can repeat at most the messages in flight at that moment
(``services.messaging.delivery.jobs.in_flight_limit``): the run fails above that, and on
any repeat before the first fault.

The resend waits for the lease to run out, by when other faults may have happened, so a
repeat is blamed on the last fault before its *first* copy arrived (plus
:data:`SLACK_SECONDS`, for a fault that cut the outcome's commit just after the send).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from huiyuan.embedded.provider_store import Inbox, Repeats

SLACK_SECONDS = 1.0
BEFORE_ANY_FAULT = "before any fault"


@dataclass(frozen=True)
class FaultAt:
    at: float
    """Wall-clock seconds (``time.time()``) when the fault was applied."""
    kind: str


@dataclass
class RepeatTally:
    """Repeats after each fault (zeros included), by fault kind, and the limit per fault."""

    limit: int = 0
    per_fault: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.per_fault.values())

    def over_limit(self) -> list[str]:
        found = [
            f"{kind}: {count} repeats after one fault, more than the {self.limit} in flight"
            for kind, counts in self.per_fault.items()
            if kind != BEFORE_ANY_FAULT
            for count in counts
            if count > self.limit
        ]
        if before := sum(self.per_fault.get(BEFORE_ANY_FAULT, [])):
            found.append(f"{before} repeats before any fault")
        return found

    def lines(self) -> list[str]:
        return [
            f"  {kind:<20} x{len(counts):<3} repeats {sum(counts):>4}, at most {max(counts)} "
            f"after one (target ≤ {self.limit})"
            for kind, counts in sorted(self.per_fault.items())
        ]


def first_copies(inbox: Inbox) -> dict[str, float]:
    """When each email (by id) and each SMS (by gateway message id) first arrived."""
    return {
        **{email.id: _seconds(email.received_at) for email in inbox.emails},
        **{sms.id: _seconds(sms.received_at) for sms in inbox.sms},
    }


def tally(repeats: Repeats, inbox: Inbox, faults: Sequence[FaultAt], limit: int) -> RepeatTally:
    arrived = first_copies(inbox)
    originals = [email.repeat_of or email.id for email in repeats.emails]
    originals += [replay.message_id for replay in repeats.sms]
    ordered = sorted(faults, key=lambda fault: fault.at)
    per_fault = [0] * len(ordered)
    before = 0
    for original in originals:
        when = arrived.get(original, float("inf")) + SLACK_SECONDS
        blamed = [n for n, fault in enumerate(ordered) if fault.at <= when]
        if blamed:
            per_fault[blamed[-1]] += 1
        else:
            before += 1
    result = RepeatTally(limit=limit)
    for fault, count in zip(ordered, per_fault, strict=True):
        result.per_fault.setdefault(fault.kind, []).append(count)
    if before:
        result.per_fault[BEFORE_ANY_FAULT] = [before]
    return result


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()
