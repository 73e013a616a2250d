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
