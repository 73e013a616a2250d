"""Tables of the messaging schema: its own copy of members' contacts, and notifications."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
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
from sqlmodel import Field, SQLModel

from shared.db import schema_registry
from shared.inbox import Inbox
from shared.outbox import Emitter, Outbox

SCHEMA = "messaging"


class MessagingTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp() -> Any:
    return Field(default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False))


class Contact(MessagingTable, table=True):
    """Projected from ``customer.member.registered``; phone and email encrypted at rest."""

    __tablename__ = "contacts"

    member_id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=100)
    locale: str = Field(default="zh-CN", max_length=8)
    phone_encrypted: str
    email_encrypted: str | None = None
    consent_sms: bool = False
    consent_email: bool = False
    updated_at: datetime = _timestamp()


class Notification(MessagingTable, table=True):
    """One message on one channel for one triggering event; the dispatcher delivers it."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("trigger_event_id", "channel", name="uq_notifications_trigger_channel"),
        CheckConstraint(
            "status IN ('queued', 'sent', 'failed', 'suppressed')",
            name="ck_notifications_status",
        ),
        CheckConstraint("channel IN ('email', 'sms')", name="ck_notifications_channel"),
        Index(
            "ix_notifications_due",
            "next_attempt_at",
            postgresql_where=text("status = 'queued'"),
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
    next_attempt_at: datetime = _timestamp()
    provider_message_id: str | None = Field(default=None, sa_column=Column(String(255)))
    provider_response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _timestamp()
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


outbox = Outbox(MessagingTable.metadata)
emit = Emitter(outbox, source="/huiyuan/messaging")
inbox = Inbox(MessagingTable.metadata)
