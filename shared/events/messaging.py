"""Events published by the messaging service on ``messaging.events``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload

Channel = Literal["email", "sms"]
MessageClass = Literal["marketing", "transactional"]
OptOutSource = Literal["email_link", "sms_reply", "email_complaint"]


class _NotificationOutcome(EventPayload):
    notification_id: uuid.UUID
    member_id: uuid.UUID
    channel: Channel
    template: str
    trigger_event_id: str


class NotificationSent(_NotificationOutcome):
    event_type: ClassVar[str] = "messaging.notification.sent"
    subject_field: ClassVar[str] = "notification_id"

    provider_message_id: str | None = None


class NotificationFailed(_NotificationOutcome):
    event_type: ClassVar[str] = "messaging.notification.failed"
    subject_field: ClassVar[str] = "notification_id"

    error: str


class NotificationSuppressed(_NotificationOutcome):
    event_type: ClassVar[str] = "messaging.notification.suppressed"
    subject_field: ClassVar[str] = "notification_id"

    reason: str


class NotificationDeferred(_NotificationOutcome):
    """A marketing message held back by the quiet hours, queued to go at ``until``."""

    event_type: ClassVar[str] = "messaging.notification.deferred"
    subject_field: ClassVar[str] = "notification_id"

    reason: str
    until: datetime


class MemberOptedOut(EventPayload):
    """The member opted out of ``message_class`` messages on ``channel`` (a one-click
    unsubscribe link in an email, an SMS reply such as 退订, or a spam complaint about an
    email that the email provider reported). Messaging stops sending
    them at once; customer records it as a consent change and publishes
    ``customer.member.consent_changed``. Ids only: no address or reply text."""

    event_type: ClassVar[str] = "messaging.member.opted_out"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    channel: Channel
    message_class: MessageClass
    source: OptOutSource
    opted_out_at: datetime
