"""Events published by the customer service on ``customer.events``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload

Locale = Literal["zh-CN", "en"]
Gender = Literal["female", "male", "other", "undisclosed"]


class ChannelConsent(EventPayload):
    sms: bool = False
    email: bool = False


class MemberRegistered(EventPayload):
    """A new member joined. Carries contact data so messaging can keep its own copy."""

    event_type: ClassVar[str] = "customer.member.registered"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    card_number: str
    name: str
    phone: str
    phone_hash: str
    email: str | None = None
    locale: Locale = "zh-CN"
    birthday: date | None = None
    gender: Gender | None = None
    consent: ChannelConsent = ChannelConsent()
    store_id: uuid.UUID | None = None
    registered_at: datetime


class MemberUpdated(EventPayload):
    """Some of a member's profile changed; only the fields named in ``changed`` are set.

    Today the customer service publishes it when a member's phone lookup data changes
    (phone numbers are stored as E.164 since this version, so the upgrade re-publishes each
    phone whose lookup hash changed); profile edits add their fields as optional ones.
    """

    event_type: ClassVar[str] = "customer.member.updated"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    changed: tuple[str, ...]
    phone: str | None = None
    """E.164, e.g. ``+8613812345678``."""
    phone_hash: str | None = None
    updated_at: datetime
