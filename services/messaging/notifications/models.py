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
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp


class Notification(MessagingTable, table=True):
    """Queued (the dispatcher delivers it), sending (leased by a dispatcher until
    ``next_attempt_at``, then due again), sent, failed, suppressed with a reason, or
    cancelled with a reason (queued, then its channel stopped reaching the member before
    it was sent: consent withdrawn, member deactivated, address removed)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("trigger_event_id", "channel", name="uq_notifications_trigger_channel"),
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'suppressed', 'cancelled')",
            name="ck_notifications_status",
        ),
        CheckConstraint("channel IN ('email', 'sms')", name="ck_notifications_channel"),
        Index(
            "ix_notifications_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('queued', 'sending')"),
        ),
        Index("ix_notifications_member_created", "member_id", "created_at"),
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
    created_at: datetime = timestamp()
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
