"""The campaigns capability's table: one row per campaign, with its budget's use."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, amount_column, now, timestamp_column


class CampaignRow(LoyaltyTable, table=True):
    """A campaign (营销活动). ``spent_points`` is what it has given, only ever raised by
    :func:`services.loyalty.campaigns.repository.reserve`; the CHECK keeps it within
    ``budget_points`` whatever the code does (and ``coupons_given`` within
    ``giveaway_quantity``)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        # equal: ended before it started (POST /campaigns/{id}/end), an empty window
        CheckConstraint("ends_at >= starts_at", name="ck_campaigns_window"),
        CheckConstraint(
            "spent_points >= 0 AND (budget_points IS NULL OR spent_points <= budget_points)",
            name="ck_campaigns_budget",
        ),
        CheckConstraint(
            "multiplier_percent IS NOT NULL OR bonus_points IS NOT NULL "
            "OR giveaway_definition_id IS NOT NULL",
            name="ck_campaigns_effect",
        ),
        CheckConstraint(
            "(giveaway_definition_id IS NULL) = (giveaway_threshold_fen IS NULL) "
            "AND (giveaway_quantity IS NULL OR giveaway_definition_id IS NOT NULL) "
            "AND coupons_given >= 0 "
            "AND (giveaway_quantity IS NULL OR coupons_given <= giveaway_quantity)",
            name="ck_campaigns_giveaway",
        ),
        CheckConstraint(
            "(reward_top_n IS NULL) = (reward_points IS NULL AND reward_tier_code IS NULL) "
            "AND (reward_tier_code IS NULL) = (reward_tier_until IS NULL)",
            name="ck_campaigns_reward",
        ),
        Index("ix_campaigns_window", "starts_at", "ends_at"),
        Index("ix_campaigns_open", "ends_at", postgresql_where="closed_at IS NULL"),
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
    reward_top_n: int | None = Field(default=None, sa_column=Column(Integer))
    reward_points: int | None = Field(default=None, sa_column=Column(BigInteger))
    reward_tier_code: str | None = Field(default=None, sa_column=Column(String(32)))
    reward_tier_until: date | None = Field(default=None, sa_column=Column(Date))
    """The awarded tier's last day (brand's timezone); with ``reward_tier_code``."""
    giveaway_definition_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            Uuid,
            ForeignKey(f"{SCHEMA}.coupon_definitions.id", name="fk_campaigns_giveaway_definition"),
        ),
    )
    giveaway_threshold_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    giveaway_quantity: int | None = Field(default=None, sa_column=Column(BigInteger))
    coupons_given: int = Field(default=0, sa_column=amount_column())
    """Coupons its giveaway gave, only ever raised by ``repository.reserve_coupon``."""
    closed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    """When the close-out ran (None: not yet); set in the close-out's transaction."""
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    """When it was last changed or ended early (None: never)."""
    updated_by: str | None = Field(default=None, sa_column=Column(String(200)))


class CampaignPurchase(LoyaltyTable, table=True):
    """A purchase a campaign reached: its qualifying spend (net fen of its lines in scope),
    what the campaign gave it, and the part of the purchase returned since, for the
    leaderboard (spend net of returns)."""

    __tablename__ = "campaign_purchases"
    __table_args__ = (
        CheckConstraint(
            "qualifying_fen BETWEEN 0 AND total_fen", name="ck_campaign_purchases_qualifying"
        ),
        CheckConstraint(
            "returned_fen BETWEEN 0 AND total_fen", name="ck_campaign_purchases_returned"
        ),
        CheckConstraint("points >= 0", name="ck_campaign_purchases_points"),
        Index("ix_campaign_purchases_member", "campaign_id", "member_id"),
        Index("ix_campaign_purchases_purchase", "purchase_id"),
    )

    campaign_id: uuid.UUID = Field(primary_key=True, foreign_key="loyalty.campaigns.campaign_id")
    purchase_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID
    qualifying_fen: int = Field(sa_column=amount_column())
    total_fen: int = Field(sa_column=amount_column())
    returned_fen: int = Field(default=0, sa_column=amount_column())
    points: int = Field(sa_column=amount_column())
    coupon_id: uuid.UUID | None = None
    """The coupon the campaign's giveaway gave the purchase (None: none)."""
