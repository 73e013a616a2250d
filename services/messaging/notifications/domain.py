"""Pure rules of notifications: which channels may carry a message, which template tells
what loyalty did, masking, what a delivery attempt leads to, and the periods statistics
count over."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal, cast, get_args
from zoneinfo import ZoneInfo

from services.messaging.contacts.domain import ContactCard, Reach
from services.messaging.notifications.errors import PeriodReversed, PeriodTooLong
from services.messaging.policy.domain import QUIET_HOURS
from services.messaging.templates.domain import Template, fit, is_marketing, one_line
from services.messaging.templates.rendering import Published, render
from shared.crypto import PiiCipher, mask_email, mask_phone
from shared.events.loyalty import ExpiringLotNotice, TierChange
from shared.events.messaging import Channel
from shared.redaction import redact_contacts

CHANNELS: tuple[Channel, ...] = get_args(Channel)

Status = Literal[
    "queued",
    "deferred",
    "sending",
    "sent",
    "failed",
    "suppressed",
    "cancelled",
    "delivered",
    "undelivered",
]
PENDING: tuple[Status, ...] = ("queued", "deferred")
"""What the dispatcher sends once ``next_attempt_at`` comes: deferred is queued until the
end of the quiet hours it was held back by."""

ReceiptStatus = Literal["delivered", "failed", "unknown"]
"""What a provider's delivery receipt says of an SMS it took."""

_STATUSES: frozenset[str] = frozenset(get_args(Status))


def status(stored: str) -> Status:
    """A status read from the table (its check constraint allows no other)."""
    if stored not in _STATUSES:
        raise ValueError(f"unknown notification status {stored!r}")
    return cast(Status, stored)


def receipt_status(receipt: ReceiptStatus) -> Status | None:
    """The status a receipt gives a sent SMS; ``None``: it stays as it is."""
    if receipt == "delivered":
        return "delivered"
    return "undelivered" if receipt == "failed" else None


@dataclass(frozen=True)
class Receipted:
    """A sent SMS as its delivery receipts see it: its status (``sent``, ``delivered`` or
    ``undelivered``) and the time of the latest receipt applied to it, if any."""

    notification_id: uuid.UUID
    status: Status
    receipt_at: datetime | None


def after_receipt(sms: Receipted, said: ReceiptStatus, at: datetime) -> Receipted:
    """``sms`` after a receipt saying ``said`` of the time ``at``: its status as
    :func:`receipt_status` gives it (an ``unknown`` receipt keeps the status) and ``at`` as
    its receipt time; unchanged if a receipt of a later time was applied before."""
    if sms.receipt_at is not None and sms.receipt_at > at:
        return sms
    return replace(sms, status=receipt_status(said) or sms.status, receipt_at=at)


DISPATCH_CHANNEL = "messaging_dispatch"
"""The ``pg_notify`` channel on which queuing a notification wakes the dispatcher."""

MAX_ERROR_LENGTH = 2000
"""Characters of a provider's error kept with a notification."""
MAX_PROVIDER_MESSAGE_ID_LENGTH = 255
"""Characters of a provider's message id: the length of ``provider_message_id``."""
MAX_BACKOFF_DOUBLINGS = 30
"""The retry delay doubles at most this often: beyond, the power is too large for a float."""


def suppression_reason(channel: Channel, reach: Reach) -> str | None:
    """Why a channel must not carry the message, or ``None`` when it may. An unusable
    address (an inactive member's) says so before consent does."""
    if reach.unusable is not None:
        return reach.unusable
    if not reach.consent:
        return f"member has not consented to {channel}"
    if not reach.address:
        return f"member has no {channel} address"
    return None


def notifies_points(points: int) -> bool:
    """Only an actual gain is worth a message."""
    return points > 0


def tier_template(change: TierChange | None, direction: Literal["up", "down"]) -> Template:
    """The wording of a tier change by its kind: staff's assignment (or its end) is
    ``tier_manual`` whichever way it went; an event from before kinds existed is an upgrade
    or a downgrade by its direction."""
    if change == "manual":
        return "tier_manual"
    if change is None:
        change = "upgrade" if direction == "up" else "downgrade"
    return "tier_upgrade" if change == "upgrade" else "tier_downgrade"


def last_day(end: datetime, zone: tzinfo) -> date:
    """The brand's last day before ``end``, an instant at the brand's midnight (a tier's
    period end, the end of staff's assignment)."""
    return (end - timedelta(microseconds=1)).astimezone(zone).date()


@dataclass(frozen=True)
class Dated:
    """Points that expire after one day of the brand (their last valid day)."""

    day: date
    points: int


def expiring_by_day(lots: Iterable[ExpiringLotNotice]) -> list[Dated]:
    """The announced lots' points added up per last valid day, earliest first."""
    by_day: dict[date, int] = {}
    for lot in lots:
        by_day[lot.valid_through] = by_day.get(lot.valid_through, 0) + lot.points
    return [Dated(day, points) for day, points in sorted(by_day.items())]


def mask_recipient(channel: Channel, address: str) -> str:
    return mask_email(address) if channel == "email" else mask_phone(address)


@dataclass(frozen=True)
class Outgoing:
    """A queued notification claimed for delivery."""

    id: uuid.UUID
    member_id: uuid.UUID
    channel: Channel
    template: str
    trigger_event_id: str
    attempts: int
    """Attempts made before this one."""
    recipient_encrypted: str | None
    recipient_masked: str | None
    subject: str | None
    body: str
    provider: str | None = None
    """The SMS provider an earlier attempt left unsure whether it took the message."""


@dataclass(frozen=True)
class Delivered:
    """The provider accepted the message. An SMS provider is named (``sms_providers``),
    with the segments it counted and their cost in fen at its price."""

    provider_message_id: str
    response: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    segments: int | None = None
    cost_fen: int | None = None


@dataclass(frozen=True)
class Undelivered:
    """The provider did not take the message; ``permanent`` means retrying cannot help."""

    error: str
    permanent: bool
    maybe_taken_by: str | None = None
    """The SMS provider that may have taken the message after all (it could not say)."""


Outcome = Delivered | Undelivered


def provider_text(text: str, limit: int) -> str:
    """What a provider named (a message id), as it can be stored and logged: one line
    without NUL or any other control character (PostgreSQL text cannot hold a NUL), at
    most ``limit`` characters."""
    return fit(one_line(text), limit)


def provider_answer(text: str, limit: int) -> str:
    """What a provider said (an error, an SMTP reply) as :func:`provider_text`, with any
    phone number or email address in it masked: a gateway may echo the recipient, and the
    answer is stored, logged and published in ``messaging.notification.failed``."""
    return provider_text(redact_contacts(text), limit)


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed delivery (1 → base), at most
    ``cap_seconds`` however many attempts failed."""
    doublings = min(max(attempts - 1, 0), MAX_BACKOFF_DOUBLINGS)
    return timedelta(seconds=min(base_seconds * 2**doublings, cap_seconds))


def gives_up(attempts: int, max_attempts: int, *, permanent: bool) -> bool:
    """After a failed attempt: stop retrying (mark failed) or schedule another try."""
    return permanent or attempts >= max_attempts


def period(
    first: date | None, last: date | None, timezone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The instants (UTC) from the start of day ``first`` to the end of day ``last`` in
    ``timezone``, either end open when ``None``. Raises :class:`PeriodReversed` if
    ``first`` is after ``last``."""
    if first is not None and last is not None:
        _check_order(first, last)
    start = _midnight(first, timezone) if first is not None else None
    end = _midnight(last + timedelta(days=1), timezone) if last is not None else None
    return start, end


MAX_DAILY_DAYS = 366
"""Days the daily statistics count at once."""
DAILY_HEADER = (
    "day",
    "channel",
    "provider",
    "template",
    "broadcast_id",
    "status",
    "count",
    "segments",
    "cost_fen",
)


def daily_period(first: date, last: date, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """As :func:`period`, both ends given; raises :class:`PeriodTooLong` past
    :data:`MAX_DAILY_DAYS` days (and :class:`PeriodReversed`)."""
    _check_order(first, last)
    if (last - first).days + 1 > MAX_DAILY_DAYS:
        raise PeriodTooLong(
            f"from {first.isoformat()} to {last.isoformat()} is more than {MAX_DAILY_DAYS} days",
            field="to",
            where="query",
        )
    return _midnight(first, timezone), _midnight(last + timedelta(days=1), timezone)


def _check_order(first: date, last: date) -> None:
    if first > last:
        raise PeriodReversed(
            f"from ({first.isoformat()}) is after to ({last.isoformat()})",
            field="from",
            where="query",
        )


def _midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), timezone).astimezone(UTC)


def minutes_left(requested_at: datetime, expires_at: datetime) -> int:
    """Whole minutes a code asked for at ``requested_at`` is good for (at least 1), as its
    message says."""
    return max(1, round((expires_at - requested_at).total_seconds() / 60))


@dataclass(frozen=True)
class Notice:
    """One member to tell by a template (:func:`notify_members`): what the message says
    (``context``), the event it is for, and the channels held back with their reasons."""

    member_id: uuid.UUID
    trigger_event_id: str
    context: Mapping[str, Any]
    withheld: Mapping[Channel, str]


def notification_rows(
    cipher: PiiCipher,
    card: ContactCard,
    texts: Published,
    template: Template,
    notice: Notice,
    now: datetime,
    *,
    broadcast_id: uuid.UUID | None,
    channels: Collection[str],
    held: Callable[[Channel, Reach], str | None] | None,
    quiet_until: datetime | None,
) -> list[dict[str, Any]]:
    """The notice's notification per channel of ``channels``: suppressed with a reason (no
    consent or address, ``notice.withheld``, or the policy's ``held`` reason), deferred to
    ``quiet_until``, or queued, its text rendered in the member's language and its
    recipient encrypted (see ``service.notify_member``)."""
    rows: list[dict[str, Any]] = []
    for channel in (c for c in CHANNELS if c in channels):
        reach = card.reach(channel)
        address = reach.address
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "member_id": notice.member_id,
            "channel": channel,
            "template": template,
            "trigger_event_id": notice.trigger_event_id,
            "recipient_masked": mask_recipient(channel, address) if address else None,
            "recipient_encrypted": None,
            "subject": None,
            "body": None,
            "error": None,
            "reason": None,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "broadcast_id": broadcast_id,
        }
        reason = suppression_reason(channel, reach) or notice.withheld.get(channel)
        if reason is None and held is not None:
            reason = held(channel, reach)
        if reason is not None or address is None:
            row.update(status="suppressed", error=reason, reason=reason)
        else:
            rendered = render(
                template,
                card.locale,
                channel,
                {"name": card.name, **notice.context},
                marketing=is_marketing(template),
                texts=texts,
            )
            row.update(
                status="queued",
                recipient_encrypted=reach.encrypted or cipher.encrypt(address),
                subject=rendered.subject,
                body=rendered.body,
            )
            if quiet_until is not None:
                row.update(
                    status="deferred",
                    next_attempt_at=quiet_until,
                    reason=QUIET_HOURS,
                )
        rows.append(row)
    return rows
