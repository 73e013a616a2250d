"""The campaigns capability's table: one row per campaign, with its budget's use."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column


class CampaignRow(LoyaltyTable, table=True):
    """A campaign (营销活动). ``spent_points`` is what it has given, only ever raised by
    :func:`services.loyalty.campaigns.repository.reserve`; the CHECK keeps it within
    ``budget_points`` whatever the code does."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ck_campaigns_window"),
        CheckConstraint(
            "spent_points >= 0 AND (budget_points IS NULL OR spent_points <= budget_points)",
            name="ck_campaigns_budget",
        ),
        CheckConstraint(
            "multiplier_percent IS NOT NULL OR bonus_points IS NOT NULL", name="ck_campaigns_effect"
        ),
        Index("ix_campaigns_window", "starts_at", "ends_at"),
    )

    campaign_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    scope: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    """``{categories: [code], stores: [uuid], tiers: [code]}``."""
    multiplier_percent: int | None = Field(default=None, sa_column=Column(Integer))
    bonus_points: int | None = Field(default=None, sa_column=Column(BigInteger))
    bonus_threshold_fen: int = Field(sa_column=amount_column())
    budget_points: int | None = Field(default=None, sa_column=Column(BigInteger))
    spent_points: int = Field(default=0, sa_column=amount_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
