"""The shortfalls capability's table: which earnings paid back which shortfalls."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column


class Recovery(LoyaltyTable, table=True):
    """Points a purchase's earnings paid back of one reversal's shortfall.

    The recovery's ledger entry (source ``('recovery', purchase_id)``) takes the sum of a
    purchase's recoveries; ``entry_id`` is the reversal entry (a return's or a void's) whose
    ``shortfall`` they settle, in part or whole.
    """

    __tablename__ = "recoveries"
    __table_args__ = (CheckConstraint("points > 0", name="ck_recoveries_points"),)

    purchase_id: uuid.UUID = Field(primary_key=True)
    entry_id: uuid.UUID = Field(primary_key=True, index=True)
    account_id: uuid.UUID = Field(index=True)
    points: int = Field(sa_column=amount_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
