"""The tiers capability's table: each member's tier standing."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Integer, String
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column
from shared.inputs import MAX_RUNNING_FEN


class TierStanding(LoyaltyTable, table=True):
    """A member's tier and the qualifying spend (fen) that placed them on it.

    Tiers stay per member when a household pools its points in one account.
    """

    __tablename__ = "tier_standings"
    __table_args__ = (
        CheckConstraint(
            f"qualifying_spend_fen >= 0 AND qualifying_spend_fen <= {MAX_RUNNING_FEN}",
            name="ck_tier_standings_qualifying_spend",
        ),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    tier_code: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    qualifying_spend_fen: int = Field(default=0, sa_column=amount_column())
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
