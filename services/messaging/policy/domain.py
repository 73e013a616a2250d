"""Pure rules of the messaging policy: message classes, quiet hours in the member's
timezone, frequency caps, deduplication and the per-sale points message.

Seed 004 (客户营销短信) names the marketing messages: birthday and holiday greetings, the
new customer's greeting 7–15 days after a first purchase, offers. What tells a member what
happened to their account (points, tier, reward orders, reservations, one-time codes) is
transactional: never capped, deduplicated or deferred, and sent with channel consent alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from services.messaging.contacts.domain import phone_zone
from services.messaging.templates.domain import CLASS_OF
from shared.events.messaging import Channel

MARKETING_TEMPLATES: tuple[str, ...] = tuple(t for t, c in CLASS_OF.items() if c == "marketing")


WAITS_FOR_MORNING: tuple[str, ...] = ("points_digest",)
"""Transactional, yet deferred past the quiet hours like marketing: the daily digest is
queued just after the brand's midnight and tells of a day, not of a moment."""


DUPLICATE = "duplicate"
FREQUENCY_CAP = "marketing frequency cap reached"
QUIET_HOURS = "quiet hours"
POINTS_OFF = "points message off"
POINTS_EMAIL_ONLY = "points message by email only"
POINTS_BELOW = "points below the message threshold"
POINTS_IN_DIGEST = "points in the daily digest"
REASON_LENGTH = 64
"""Characters of ``notifications.reason``: every reason above, and those of
``notifications.domain.suppression_reason``, fit."""


def no_marketing_consent(channel: Channel) -> str:
    return f"member has not consented to marketing on {channel}"


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` until ``end`` (local times of day, minutes); past midnight when
    ``end`` is earlier than ``start`` (21:00–08:00)."""

    start: time
    end: time

    def until(self, now: datetime, zone: tzinfo) -> datetime | None:
        """The end of the quiet hours ``now`` (aware) falls in, read on the clocks of
        ``zone``, or ``None`` outside them. A local end time that a DST change skips is
        read as the clocks read it after the change."""
        local = now.astimezone(zone)
        at = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            inside = self.start <= at < self.end
            end_day = local.date()
        else:
            inside = at >= self.start or at < self.end
            end_day = local.date() + timedelta(days=1 if at >= self.start else 0)
        if not inside:
            return None
        return datetime.combine(end_day, self.end, zone)


@dataclass(frozen=True)
class Cap:
    """At most ``messages`` marketing messages per member and channel in ``days`` days."""

    messages: int
    days: int


PointsMode = Literal["each_sale", "off", "email_only", "above", "daily_digest"]
_POINTS_MESSAGE = re.compile(r"^(each_sale|off|email_only|daily_digest|above:([1-9][0-9]{0,8}))$")
POINTS_MESSAGE_PATTERN = _POINTS_MESSAGE.pattern


@dataclass(frozen=True)
class PointsMessage:
    """What a sale's points tell the member: ``each_sale`` (a message per sale on every
    consented channel), ``off``, ``email_only``, ``above`` (only a sale earning at least
    ``min_points``) or ``daily_digest`` (one message per member and brand day summing its
    points, from the daily job)."""

    mode: PointsMode
    min_points: int | None = None

    @classmethod
    def parse(cls, text: str) -> PointsMessage:
        """``each_sale``, ``off``, ``email_only``, ``daily_digest`` or ``above:<points>``
        (1 to 999,999,999); raises ``ValueError`` otherwise."""
        found = _POINTS_MESSAGE.match(text)
        if found is None:
            raise ValueError(
                "points_message is each_sale, off, email_only, daily_digest or above:<points>"
            )
        if found.group(2) is not None:
            return cls("above", int(found.group(2)))
        mode: PointsMode = found.group(1)  # type: ignore[assignment]
        return cls(mode)

    def __str__(self) -> str:
        return f"above:{self.min_points}" if self.mode == "above" else self.mode

    def withheld(self, channel: Channel, points: int) -> str | None:
        """Why a sale earning ``points`` sends no points message on ``channel``, or
        ``None`` when it sends one."""
        if self.mode == "off":
            return POINTS_OFF
        if self.mode == "email_only" and channel != "email":
            return POINTS_EMAIL_ONLY
        if self.mode == "above" and points < (self.min_points or 0):
            return POINTS_BELOW
        if self.mode == "daily_digest":
            return POINTS_IN_DIGEST
        return None


@dataclass(frozen=True)
class Policy:
    """The brand's messaging policy; ``version`` 0: never set, the defaults below."""

    quiet_hours: QuietHours | None = QuietHours(time(21), time(8))
    cap: Cap | None = Cap(2, 7)
    dedupe_hours: int = 24
    """The same marketing template to the same member within this many hours is a
    duplicate; 0: no deduplication."""
    points_message: PointsMessage = PointsMessage("each_sale")
    version: int = 0


DEFAULT = Policy()


def marketing_reason(
    channel: Channel, *, consent: bool, duplicate: bool, in_period: int, cap: Cap | None
) -> str | None:
    """Why a marketing message must not go on ``channel``: no marketing consent, the same
    template sent within the dedupe window (``duplicate``), or ``in_period`` marketing
    messages already at the cap. ``None``: it may go (perhaps after the quiet hours)."""
    if not consent:
        return no_marketing_consent(channel)
    if duplicate:
        return DUPLICATE
    if cap is not None and in_period >= cap.messages:
        return FREQUENCY_CAP
    return None


def member_zone(phone: str | None, fallback: tzinfo) -> tzinfo:
    """The member's timezone: the one zone of their E.164 ``phone`` number's range
    (:func:`services.messaging.contacts.domain.phone_zone`), else ``fallback`` (the
    brand's business timezone)."""
    zone = phone_zone(phone)
    return ZoneInfo(zone) if zone is not None else fallback
