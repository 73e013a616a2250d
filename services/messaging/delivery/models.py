"""The early receipts table (delivery receipts that came before their send was recorded)
and the email bounces the provider reported."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, PrimaryKeyConstraint, String, Uuid
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp

EARLY_RECEIPT_DAYS = 7
"""How long a receipt no recorded send claims is kept: a send is recorded within its lease
(minutes); one never recorded (a crash, then a resend under another id) never will be."""


class EarlyReceipt(MessagingTable, table=True):
    """A provider's delivery receipt that came before the dispatcher recorded the send it is
    about (the provider answered the send, the phone got it and the provider posted the
    receipt while the dispatcher's transaction had not committed). Kept by the provider's
    message id, the latest receipt only, and applied in the transaction that records the
    send; one no send claims is deleted after :data:`EARLY_RECEIPT_DAYS`."""

    __tablename__ = "early_receipts"
    __table_args__ = (
        PrimaryKeyConstraint("provider", "message_id", name="pk_early_receipts"),
        CheckConstraint(
            "status IN ('delivered', 'failed', 'unknown')", name="ck_early_receipts_status"
        ),
    )

    provider: str = Field(sa_column=Column(String(32), nullable=False))
    message_id: str = Field(sa_column=Column(String(255), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    """What the receipt says: ``delivered``, ``failed`` or ``unknown``."""
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    """When the phone got it (or the provider gave up), as the receipt says."""
    received_at: datetime = timestamp()


class EmailBounce(MessagingTable, table=True):
    """A bounce the email provider reported for an email it took: ``hard`` (the address
    does not exist: the email is undelivered and the address suppressed), ``soft`` (a full
    mailbox: recorded only) or ``complaint`` (the member reported it as spam: marketing
    email withdrawn). One per email and kind, so a repeated report changes nothing.
    ``diagnostic_code`` is the RFC 3463 status (``5.1.1``), never the server's text, which
    can quote the address."""

    __tablename__ = "email_bounces"
    __table_args__ = (
        PrimaryKeyConstraint("notification_id", "kind", name="pk_email_bounces"),
        CheckConstraint("kind IN ('hard', 'soft', 'complaint')", name="ck_email_bounces_kind"),
    )

    notification_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    """When the provider says it bounced."""
    diagnostic_code: str | None = Field(default=None, sa_column=Column(String(16)))
    received_at: datetime = timestamp()
