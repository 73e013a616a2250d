"""The notification table: one message on one channel for one triggering event."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp


class Notification(MessagingTable, table=True):
    """Queued (the dispatcher delivers it), deferred (the same, once the quiet hours end
    at ``next_attempt_at``), sending (leased by a dispatcher until ``next_attempt_at``,
    then due again), sent, failed, suppressed with a reason, or cancelled with a reason
    (queued, then its channel stopped reaching the member before it was sent: consent
    withdrawn, member deactivated, address removed). ``reason`` says why it was
    suppressed, deferred or cancelled, and stays when a deferred one is sent (``error``
    is then the provider's last error). A sent SMS becomes delivered or undelivered when
    its provider's receipt says so."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("trigger_event_id", "channel", name="uq_notifications_trigger_channel"),
        CheckConstraint(
            "status IN ('queued', 'deferred', 'sending', 'sent', 'failed', 'suppressed', "
            "'cancelled', 'delivered', 'undelivered')",
            name="ck_notifications_status",
        ),
        CheckConstraint("channel IN ('email', 'sms')", name="ck_notifications_channel"),
        Index(
            "ix_notifications_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('queued', 'deferred', 'sending')"),
        ),
        Index("ix_notifications_member_created", "member_id", "created_at"),
        Index(
            "ix_notifications_broadcast",
            "broadcast_id",
            "status",
            postgresql_where=text("broadcast_id IS NOT NULL"),
        ),
        Index(
            "ix_notifications_provider_message",
            "provider",
            "provider_message_id",
            postgresql_where=text("provider IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    member_id: uuid.UUID
    channel: str = Field(max_length=8)
    template: str = Field(max_length=32)
    trigger_event_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    recipient_encrypted: str | None = None
    recipient_masked: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=255)
    body: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 0
    next_attempt_at: datetime = timestamp()
    provider_message_id: str | None = Field(default=None, sa_column=Column(String(255)))
    provider_response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    error: str | None = Field(default=None, sa_column=Column(Text))
    reason: str | None = Field(default=None, sa_column=Column(String(64)))
    provider: str | None = Field(default=None, sa_column=Column(String(32)))
    """The SMS provider that took it (its name in ``sms_providers``); while queued or
    failed, the one that could not say whether it took it, asked first on a retry."""
    segments: int | None = Field(default=None, sa_column=Column(Integer))
    cost_fen: int | None = Field(default=None, sa_column=Column(Integer))
    """Segments × the provider's price per segment, in fen, when it took the SMS."""
    receipt_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    """When the provider's delivery receipt says the SMS reached (or did not) the phone."""
    broadcast_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid))
    """The bulk send (``broadcasts``) it is part of; null for every other message."""
    created_at: datetime = timestamp()
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
