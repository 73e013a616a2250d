"""The webhook tables: subscriptions, their deliveries (a due-work queue) and each
delivery's attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp
from shared.kept import kept_versions_table


class WebhookSubscription(MessagingTable, table=True):
    """A receiver's URL and the event types it wants. Its signing secret is stored
    encrypted; after a rotation the previous one signs too until ``previous_secret_until``.
    ``failing_since`` is the first failed attempt after the last success (null while it
    succeeds); a subscription failing for too long is made inactive with a reason."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_created", "created_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    url: str = Field(sa_column=Column(String(2048), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(String(500)))
    event_types: list[str] = Field(sa_column=Column(ARRAY(String(128)), nullable=False))
    active: bool = Field(sa_column=Column(Boolean, nullable=False))
    secret_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    previous_secret_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    previous_secret_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    failing_since: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class WebhookDelivery(MessagingTable, table=True):
    """One event for one subscription: ``pending`` until the receiver answers 2xx
    (``delivered``) or the attempts run out (``failed``). Its id is the ``webhook-id``
    header of every attempt, so a receiver deduplicates on it; ``body`` is the CloudEvent
    exactly as signed. A claimed delivery's ``next_attempt_at`` is its lease's end: a
    worker that dies mid-POST leaves it to be claimed again then."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["subscription_id"],
            ["messaging.webhook_subscriptions.id"],
            name="fk_webhook_deliveries_subscription",
            ondelete="CASCADE",
        ),
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_event"),
        CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name="ck_webhook_deliveries_status"
        ),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subscription_id: uuid.UUID
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=128)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16)
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime = timestamp()
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = timestamp()
    delivered_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class WebhookAttempt(MessagingTable, table=True):
    """One POST of a delivery: the receiver's status code (null when none came), how long
    it took in milliseconds, the error, and the first characters of the response."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["delivery_id"],
            ["messaging.webhook_deliveries.id"],
            name="fk_webhook_attempts_delivery",
            ondelete="CASCADE",
        ),
        Index("ix_webhook_attempts_delivery", "delivery_id", "id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    delivery_id: uuid.UUID
    attempted_at: datetime = timestamp()
    status_code: int | None = Field(default=None, sa_column=Column(Integer))
    duration_ms: int = Field(sa_column=Column(Integer, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text))
    response_snippet: str | None = Field(default=None, sa_column=Column(Text))


kept_versions = kept_versions_table(MessagingTable.metadata)
KEPT = "webhook_subscriptions"
"""The row of ``kept_versions`` whose token the active subscriptions are kept under."""
