"""Pure rules of messaging: which channels may carry a message, masking, retry timing."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, get_args

from shared.crypto import mask_email, mask_phone
from shared.events.customer import Locale
from shared.events.messaging import Channel

CHANNELS: tuple[Channel, ...] = get_args(Channel)
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "zh-CN"

Template = Literal["welcome", "points_earned", "tier_upgrade"]
TEMPLATES: tuple[Template, ...] = get_args(Template)

Status = Literal["queued", "sent", "failed", "suppressed"]


def pick_locale(locale: str) -> Locale:
    """The member's language if we have templates for it, else the brand's default."""
    for known in LOCALES:
        if known == locale:
            return known
    return DEFAULT_LOCALE


def suppression_reason(channel: Channel, *, consent: bool, address: str | None) -> str | None:
    """Why a channel must not carry the message, or ``None`` when it may."""
    if not consent:
        return f"member has not consented to {channel}"
    if not address:
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


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed delivery (1 → base)."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), cap_seconds))


def gives_up(attempts: int, max_attempts: int, *, permanent: bool) -> bool:
    """After a failed attempt: stop retrying (mark failed) or schedule another try."""
    return permanent or attempts >= max_attempts
