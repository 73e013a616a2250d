"""Tables of bulk grants: a batch (one definition, one grant key, a list of members or an
audience) and a row of due work per member, written with the request in one transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, now, timestamp_column
from services.loyalty.coupons.models import MAX_GRANT_KEY
from shared.tokens import MAX_SUBJECT_LENGTH

ITEM_STATUSES = ("due", "granted", "refused")
MAX_REASON = 32
_STATUSES = ", ".join(f"'{status}'" for status in ITEM_STATUSES)


class GrantBatch(LoyaltyTable, table=True):
    """A bulk grant of one definition to ``total`` members under one ``grant_key``; 0 for
    an audience nobody was in (finished when created)."""

    __tablename__ = "coupon_grant_batches"
    __table_args__ = (CheckConstraint("total >= 0", name="ck_coupon_grant_batches_total"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    definition_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.coupon_definitions.id"), nullable=False)
    )
    grant_key: str = Field(max_length=MAX_GRANT_KEY)
    total: int = Field(sa_column=Column(Integer, nullable=False))
    audience: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    """The criteria of an audience batch, as given; NULL for a list of members."""
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    created_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    """Set by the chunk that left nothing of it due."""


class GrantItem(LoyaltyTable, table=True):
    """One member of a batch: ``due`` until a worker's chunk grants (``coupon_id``) or
    refuses (``reason``) it in the transaction of the grant."""

    __tablename__ = "coupon_grant_items"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="ck_coupon_grant_items_status"),
        CheckConstraint(
            "(status = 'granted') = (coupon_id IS NOT NULL) "
            "AND (status = 'refused') = (reason IS NOT NULL)",
            name="ck_coupon_grant_items_outcome",
        ),
        Index(
            "ix_coupon_grant_items_due",
            "batch_id",
            "member_id",
            postgresql_where="status = 'due'",
        ),
    )

    batch_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey(f"{SCHEMA}.coupon_grant_batches.id"), primary_key=True, nullable=False
        )
    )
    member_id: uuid.UUID = Field(primary_key=True)
    status: str = Field(sa_column=Column(String(10), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(String(MAX_REASON)))
    coupon_id: uuid.UUID | None = Field(default=None)
