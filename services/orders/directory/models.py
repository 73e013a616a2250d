"""Orders' own copy of who is a member, fed by customer's events."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, String
from sqlmodel import Field

from services.orders.base import OrdersTable
from services.orders.directory.domain import MAX_CARD_NUMBER


class Member(OrdersTable, table=True):
    """A member as far as a till needs: how a store may name them.

    ``phone_hash`` is the lookup hash of the member's mobile number in E.164, ``None``
    while another member holds it here because their own change has not arrived yet, and
    once the member is deactivated (``deactivated_at``): then no reference names them.
    """

    __tablename__ = "members"

    member_id: uuid.UUID = Field(primary_key=True)
    card_number: str = Field(sa_column=Column(String(MAX_CARD_NUMBER), unique=True, nullable=False))
    phone_hash: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    deactivated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
