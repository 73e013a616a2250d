"""The lots capability's tables: the brand's points policy, and the expiry notices sent."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, Integer, SmallInteger, String
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, now, timestamp_column
from shared.tokens import MAX_SUBJECT_LENGTH

MAX_RETURN_WINDOW_DAYS = 60
MIN_EXPIRY_MONTHS = 3
"""Above the longest return window (3 months are at least 89 days), so a lot never expires
before it becomes available."""
MAX_EXPIRY_MONTHS = 120
MAX_NOTICE_DAYS = 90


class PointsPolicy(LoyaltyTable, table=True):
    """The brand's one row of points settings; no row means the defaults (points available
    at once, never expiring, notice 30 days ahead, no shortfall payback)."""

    __tablename__ = "points_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_points_policy_one_row"),
        CheckConstraint(
            f"return_window_days BETWEEN 0 AND {MAX_RETURN_WINDOW_DAYS}",
            name="ck_points_policy_return_window",
        ),
        CheckConstraint(
            "expiry IN ('never', 'months_after_earning', 'end_of_year_after_earning')",
            name="ck_points_policy_expiry",
        ),
        CheckConstraint(
            "(expiry = 'months_after_earning') = (expiry_months IS NOT NULL) AND "
            f"(expiry_months IS NULL OR expiry_months BETWEEN {MIN_EXPIRY_MONTHS} "
            f"AND {MAX_EXPIRY_MONTHS})",
            name="ck_points_policy_expiry_months",
        ),
        CheckConstraint(
            f"expiring_notice_days BETWEEN 1 AND {MAX_NOTICE_DAYS}",
            name="ck_points_policy_notice_days",
        ),
    )

    id: int = Field(default=1, sa_column=Column(SmallInteger, primary_key=True))
    return_window_days: int = Field(sa_column=Column(Integer, nullable=False))
    expiry: str = Field(sa_column=Column(String(32), nullable=False))
    expiry_months: int | None = Field(default=None, sa_column=Column(Integer))
    expiring_notice_days: int = Field(sa_column=Column(Integer, nullable=False))
    shortfall_payback: bool = Field(sa_column=Column(Boolean, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)


class ExpiryNotice(LoyaltyTable, table=True):
    """A lot whose coming expiry was announced (``loyalty.points.expiring``): once per lot."""

    __tablename__ = "expiry_notices"

    lot_id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(index=True)
    announced_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
