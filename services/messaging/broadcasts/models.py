"""The broadcast tables: the send staff set up, and its recipients snapshot."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp


class Broadcast(MessagingTable, table=True):
    """A bulk send of one marketing ``template`` on ``channels`` to an ``audience`` (as staff
    gave it: members, cards, tags or all; an uploaded list is kept as its members).

    ``state``: draft → scheduled (waits for ``scheduled_at``) → sending → completed, with
    paused and cancelled on the way. ``due_at`` is when the worker next looks at it: the
    scheduled time, then the time of its next batch (the pace of ``rate_per_second``).
    ``total`` is the number of recipients, set when they are taken (``started_at``)."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint(
            "state IN ('draft', 'scheduled', 'sending', 'paused', 'cancelled', 'completed')",
            name="ck_broadcasts_state",
        ),
        CheckConstraint("rate_per_second > 0", name="ck_broadcasts_rate"),
        Index(
            "ix_broadcasts_due",
            "due_at",
            postgresql_where=text("state IN ('scheduled', 'sending')"),
        ),
        Index("ix_broadcasts_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    template: str = Field(max_length=32)
    channels: list[str] = Field(sa_column=Column(ARRAY(String(8)), nullable=False))
    audience: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    state: str = Field(max_length=16)
    rate_per_second: int = Field(sa_column=Column(Integer, nullable=False))
    scheduled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    due_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    total: int | None = Field(default=None, sa_column=Column(Integer))
    created_by: str = Field(max_length=64)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    started_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class BroadcastRecipient(MessagingTable, table=True):
    """One member of a broadcast's snapshot: ``pending`` until the worker hands them to
    the notifications (``notified``, in the transaction that queues their messages), or
    ``cancelled`` with the broadcast."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        ForeignKeyConstraint(
            ["broadcast_id"],
            ["messaging.broadcasts.id"],
            name="fk_broadcast_recipients_broadcast",
            ondelete="CASCADE",
        ),
        CheckConstraint(
            "state IN ('pending', 'notified', 'cancelled')", name="ck_broadcast_recipients_state"
        ),
    )

    broadcast_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID = Field(primary_key=True)
    state: str = Field(max_length=16)
    notified_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
