"""The referral fact table: one row per referred friend, from customer's and loyalty's
events (either may arrive first: they travel on different topics)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Uuid
from sqlmodel import Field

from services.analytics.base import AnalyticsTable


def _moment() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), index=True))


class ReferralFact(AnalyticsTable, table=True):
    """``referred_at`` from ``customer.member.referred``; ``qualified_at`` (the friend's
    first paid purchase) from ``loyalty.referral.qualified``; ``rewarded_at`` from
    ``loyalty.referral.rewarded``; ``referrer_member_id`` from any of them. A row an event
    of loyalty made first has no ``referred_at`` until customer's arrives."""

    __tablename__ = "referrals"

    friend_member_id: uuid.UUID = Field(primary_key=True)
    referred_at: datetime | None = _moment()
    qualified_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    rewarded_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    referrer_member_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, index=True, nullable=True)
    )
    """Who brought the friend: from either event (both name them); null on rows recorded
    before analytics kept it."""
