"""The table of tier coupons: the coupon definitions each tier grants its members."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, now, timestamp_column
from shared.tokens import MAX_SUBJECT_LENGTH


class TierCoupon(LoyaltyTable, table=True):
    """A definition a tier grants: one coupon to each member on the tier, once a year.
    Kept by tier code, like tier benefits: a tier removed from the ladder has no members
    to grant to, and a tier of the same code returning grants again."""

    __tablename__ = "tier_coupons"

    tier_code: str = Field(sa_column=Column(String(32), primary_key=True))
    definition_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.coupon_definitions.id"), primary_key=True)
    )
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
