"""The adjustments capability's table: the audit of every staff adjustment of points."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, String
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column
from shared.tokens import MAX_SUBJECT_LENGTH


class Adjustment(LoyaltyTable, table=True):
    """Points staff added or took off an account, why, and who: written with the ledger
    entry whose source is ``('adjustment', adjustment_id)``, in the same statement."""

    __tablename__ = "adjustments"
    __table_args__ = (CheckConstraint("points <> 0", name="ck_adjustments_points"),)

    adjustment_id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(index=True)
    member_id: uuid.UUID
    points: int = Field(sa_column=amount_column())
    reason: str = Field(sa_column=Column(String(200), nullable=False))
    staff: str = Field(max_length=MAX_SUBJECT_LENGTH)
    """The staff subject of the token that made it."""
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
