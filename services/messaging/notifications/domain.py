"""Pure rules of notifications: which channels may carry a message, masking, and what a
delivery attempt leads to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, get_args

from services.messaging.contacts.domain import Reach
from shared.crypto import mask_email, mask_phone
from shared.events.messaging import Channel

CHANNELS: tuple[Channel, ...] = get_args(Channel)

Status = Literal["queued", "sent", "failed", "suppressed"]

DISPATCH_CHANNEL = "messaging_dispatch"
"""The ``pg_notify`` channel on which queuing a notification wakes the dispatcher."""

MAX_ERROR_LENGTH = 2000
"""Characters of a provider's error kept with a notification."""


def suppression_reason(channel: Channel, reach: Reach) -> str | None:
    """Why a channel must not carry the message, or ``None`` when it may."""
    if not reach.consent:
        return f"member has not consented to {channel}"
    if reach.unusable is not None:
        return reach.unusable
    if not reach.address:
        return f"member has no {channel} address"
    return None


def notifies_points(points: int) -> bool:
    """Only an actual gain is worth a message."""
    return points > 0


def notifies_tier_change(direction: str) -> bool:
    """Upgrades are announced; a downgrade sends nothing in this version."""
    return direction == "up"


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


@dataclass(frozen=True)
class Delivered:
    """The provider accepted the message."""

    provider_message_id: str
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Undelivered:
    """The provider did not take the message; ``permanent`` means retrying cannot help."""

    error: str
    permanent: bool


Outcome = Delivered | Undelivered


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed delivery (1 → base)."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), cap_seconds))


def gives_up(attempts: int, max_attempts: int, *, permanent: bool) -> bool:
    """After a failed attempt: stop retrying (mark failed) or schedule another try."""
    return permanent or attempts >= max_attempts
