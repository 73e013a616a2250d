"""The contact table, projected from customer events; phone and email encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp


class Contact(MessagingTable, table=True):
    """Projected from ``customer.member.registered``."""

    __tablename__ = "contacts"

    member_id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=100)
    locale: str = Field(default="zh-CN", max_length=8)
    phone_encrypted: str
    email_encrypted: str | None = None
    consent_sms: bool = False
    consent_email: bool = False
    updated_at: datetime = timestamp()
