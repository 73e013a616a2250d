"""Pure rules of bulk sends (群发): the states a broadcast moves through, which templates it
may send, the pace of its batches, its recipients' trigger ids, and uploaded audience lists.

The pace is kept by messaging's own worker, in the broadcast's row (``due_at``): the
``limits`` library keeps its counters in memory, Redis, Memcached or MongoDB, none of which
can commit with the transaction that queues a batch, so a crash between the two would
either lose the pace or double a batch's count (a dual write).
"""

from __future__ import annotations

import csv
import io
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from services.messaging.broadcasts.errors import AudienceRowsRefused, BroadcastStateConflict
from services.messaging.templates.domain import TEMPLATES, Entry, Template, is_marketing
from shared.inputs.phone import PhoneNumberError, to_e164

State = Literal["draft", "scheduled", "sending", "paused", "cancelled", "completed"]
STATES: tuple[State, ...] = get_args(State)
Action = Literal["start", "pause", "resume", "cancel", "upload"]

_ALLOWED: Mapping[Action, tuple[State, ...]] = {
    "start": ("draft",),
    "upload": ("draft",),
    "pause": ("scheduled", "sending", "paused"),
    "resume": ("paused", "scheduled", "sending"),
    "cancel": ("draft", "scheduled", "sending", "paused", "cancelled"),
}
"""The states each action may be taken in; pausing a paused broadcast, resuming a running
one or cancelling a cancelled one changes nothing (a retry is harmless)."""

BATCH_SECONDS = 0.2
"""A batch is what the rate allows in this long (at least one recipient): small enough
that no second of sends holds more than the rate and one batch."""

CANCELLED_REASON = "broadcast cancelled"
"""The reason its notifications not yet sent are cancelled with."""

MAX_UPLOAD_ROWS = 100_000
"""Rows of an uploaded audience list."""

UPLOAD_COLUMNS = ("member_id", "card_number", "phone")
"""What an uploaded list names its members by: the header's first column among these."""

REPORT_HEADER = ("channel", "status", "reason", "count", "segments", "cost_fen")


def state(stored: str) -> State:
    """A state read from the table (its check constraint allows no other)."""
    if stored not in STATES:
        raise ValueError(f"unknown broadcast state {stored!r}")
    return stored


def template(stored: str) -> Template:
    """A broadcast's template read from the table (checked when it was created)."""
    for known in TEMPLATES:
        if known == stored:
            return known
    raise ValueError(f"unknown template {stored!r}")


def check_action(action: Action, current: State) -> None:
    """Raises :class:`BroadcastStateConflict` (409) when ``action`` cannot be taken in the
    ``current`` state."""
    if current not in _ALLOWED[action]:
        allowed = ", ".join(_ALLOWED[action])
        raise BroadcastStateConflict(
            f"cannot {action} a {current} broadcast (only when {allowed})", state=current
        )


def broadcastable(entry: Entry) -> bool:
    """A broadcast sends a marketing template that needs nothing but the member's name:
    a bulk send has no event to fill other variables from."""
    return is_marketing(entry.template) and entry.names == ["name"]


def batch_size(rate_per_second: int) -> int:
    """Recipients per batch at ``rate_per_second``: :data:`BATCH_SECONDS` worth, at least
    one."""
    return max(1, math.floor(rate_per_second * BATCH_SECONDS))


def next_batch_at(now: datetime, taken: int, rate_per_second: int) -> datetime:
    """When the batch after one of ``taken`` recipients taken at ``now`` may go: no sooner
    than the rate allows, counted from now (a late batch does not catch up in a burst)."""
    return now + timedelta(seconds=taken / rate_per_second)


def trigger_id(broadcast_id: uuid.UUID, member_id: uuid.UUID) -> str:
    """The notifications' trigger of one recipient: the same on every attempt, so a batch
    redone after a crash queues nothing twice (``uq_notifications_trigger_channel``)."""
    return f"broadcast:{uuid.uuid5(broadcast_id, member_id.hex)}"


@dataclass(frozen=True)
class RowError:
    row: int
    message: str


@dataclass(frozen=True)
class Listed:
    """The values of an uploaded list, by the column it names members by, each with its
    row number (the header is row 1), and the rows already found wrong."""

    column: str
    values: tuple[tuple[int, str], ...]
    errors: tuple[RowError, ...] = ()


def parse_upload(text: str) -> Listed:
    """An uploaded list: CSV with a header naming one of :data:`UPLOAD_COLUMNS` (its first
    such column is read, others ignored), one member a row; blank rows are skipped.
    Phones are read as ``POST /members`` reads them (national numbers in the default
    region) and kept in E.164. Rows that are empty, member ids that are no UUIDs and
    phones that are no mobile numbers are kept as ``errors``, to be refused with the rows
    that name nobody (:func:`refused`). Raises :class:`AudienceRowsRefused` for a header
    naming no column, too many rows, or none naming anybody."""
    rows = list(csv.reader(io.StringIO(text)))
    header = [name.strip().lower() for name in rows[0]] if rows else []
    column = next((name for name in header if name in UPLOAD_COLUMNS), None)
    if column is None:
        raise refused([RowError(1, f"the header names none of {', '.join(UPLOAD_COLUMNS)}")])
    if len(rows) - 1 > MAX_UPLOAD_ROWS:
        raise refused([RowError(MAX_UPLOAD_ROWS + 2, f"more than {MAX_UPLOAD_ROWS} rows")])
    at = header.index(column)
    values: list[tuple[int, str]] = []
    errors: list[RowError] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        value = row[at].strip() if at < len(row) else ""
        if not value:
            errors.append(RowError(number, f"{column} is empty"))
        elif column == "member_id" and not _is_uuid(value):
            errors.append(RowError(number, f"member_id {value!r} is not a UUID"))
        elif column == "phone":
            try:
                values.append((number, to_e164(value)))
            except PhoneNumberError as exc:  # the number is not repeated: personal data
                errors.append(RowError(number, f"phone {exc}"))
        else:
            values.append((number, value))
    if not values and not errors:
        raise refused([RowError(2, "the list names nobody")])
    return Listed(column, tuple(values), tuple(errors))


def refused(errors: Iterable[RowError], shown: int = 100) -> AudienceRowsRefused:
    """The problem naming the first ``shown`` bad rows (``row.<n>``, in row order) of an
    uploaded list."""
    errors = sorted(errors, key=lambda error: error.row)
    first = errors[0]
    return AudienceRowsRefused(
        f"{len(errors)} row(s) refused; row {first.row}: {first.message}",
        field=f"row.{first.row}",
        rows=[{"row": error.row, "message": error.message} for error in errors[:shown]],
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
