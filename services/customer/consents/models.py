"""The consent tables: per member, channel and class its latest change (the record), and
every change (the history)."""

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
    String,
)
from sqlmodel import Field

from services.customer.base import CustomerTable
from shared.tokens import MAX_SUBJECT_LENGTH

PRIVACY_POLICY_VERSION_LENGTH = 32


class ConsentRecord(CustomerTable, table=True):
    """The member's consent on ``channel`` (``sms`` or ``email``) to ``message_class``
    (``channel``: the channel itself; ``marketing``: marketing messages on it) as last
    set: given (``consented``) or withdrawn at ``changed_at``, by ``changed_by`` (``member``,
    ``staff`` or ``import``; ``actor`` their login) under the privacy policy
    ``privacy_policy_version`` then in force (none for an import: the brand collected it
    before)."""

    __tablename__ = "consent_records"
    __table_args__ = (
        ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_consent_records_member",
            ondelete="CASCADE",
        ),
        CheckConstraint("channel IN ('sms', 'email')", name="ck_consent_records_channel"),
        CheckConstraint(
            "message_class IN ('channel', 'marketing')", name="ck_consent_records_message_class"
        ),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=8)
    message_class: str = Field(
        default="channel",
        sa_column=Column(String(16), primary_key=True, server_default="channel"),
    )
    consented: bool
    changed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    changed_by: str = Field(max_length=8)
    actor: str | None = Field(default=None, max_length=MAX_SUBJECT_LENGTH)
    privacy_policy_version: str | None = Field(
        default=None, max_length=PRIVACY_POLICY_VERSION_LENGTH
    )


class ConsentChange(CustomerTable, table=True):
    """One change of a consent record, as the record was set by it (same columns); rows
    are only ever inserted, in the transaction of the change. ``seq`` orders them."""

    __tablename__ = "consent_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_consent_changes_member",
            ondelete="CASCADE",
        ),
        Index("ix_consent_changes_member_seq", "member_id", "seq"),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(), primary_key=True)
    )
    member_id: uuid.UUID
    channel: str = Field(max_length=8)
    message_class: str = Field(max_length=16)
    consented: bool = Field(sa_column=Column(Boolean, nullable=False))
    changed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    changed_by: str = Field(max_length=8)
    actor: str | None = Field(default=None, max_length=MAX_SUBJECT_LENGTH)
    privacy_policy_version: str | None = Field(
        default=None, max_length=PRIVACY_POLICY_VERSION_LENGTH
    )
