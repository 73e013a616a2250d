"""The referrals table: one row per friend who registered with a member's code."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, String, UniqueConstraint
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, now, timestamp_column

MAX_STATE = 16


class Referral(LoyaltyTable, table=True):
    """``referrer_member_id`` brought ``friend_member_id``, who registered at ``referred_at``
    (UTC). The friend is the key's natural owner: a member registers once, so one referral
    per friend, whatever the inbox lets through twice."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("state IN ('pending')", name="ck_referrals_state"),
        UniqueConstraint("friend_member_id", name="uq_referrals_friend"),
        Index("ix_referrals_referrer", "referrer_member_id", "referred_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    friend_member_id: uuid.UUID
    referrer_member_id: uuid.UUID
    state: str = Field(sa_column=Column(String(MAX_STATE), nullable=False))
    referred_at: datetime = Field(sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
