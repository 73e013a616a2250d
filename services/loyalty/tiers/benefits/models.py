"""The table of benefits per tier."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, SmallInteger, String
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable


class TierBenefit(LoyaltyTable, table=True):
    """What a tier gives at the till, beside its earning multiplier (the earning rule's)."""

    __tablename__ = "tier_benefits"
    __table_args__ = (
        CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100",
            name="ck_tier_benefits_discount_percent",
        ),
    )

    tier_code: str = Field(sa_column=Column(String(32), primary_key=True))
    discount_percent: int = Field(sa_column=Column(SmallInteger, nullable=False))
    birthday_gift: str | None = Field(default=None, sa_column=Column(String(64)))
    priority_service: bool = Field(sa_column=Column(Boolean, nullable=False))
