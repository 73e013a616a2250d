"""The inbound SMS table: replies from members, sender and text encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, String, UniqueConstraint
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp


class InboundSms(MessagingTable, table=True):
    """One reply an SMS provider forwarded, once per ``(provider, provider_message_id)``:
    two providers may number their messages alike.

    ``action``: ``opted_out`` (an opt-out word from a known number: ``members`` members
    had marketing SMS turned off, 0 when already off), ``unknown_sender`` (an opt-out word
    from a number no member has) or ``stored`` (any other text: kept, not acted on).
    ``sender_hash`` is the number's keyed lookup hash; sender and text are encrypted.
    """

    __tablename__ = "inbound_sms"
    __table_args__ = (
        UniqueConstraint("provider", "provider_message_id", name="uq_inbound_sms_provider_message"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    provider: str = Field(sa_column=Column(String(32), nullable=False))
    """The provider that forwarded it (its name in ``sms_providers``)."""
    provider_message_id: str = Field(sa_column=Column(String(255), nullable=False))
    sender_hash: str = Field(max_length=64, index=True)
    sender_encrypted: str
    text_encrypted: str
    action: str = Field(max_length=16)
    members: int = 0
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_at: datetime = timestamp()
