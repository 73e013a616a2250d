"""The program's tables: the tier ladder and the earning rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, now, timestamp_column


class Tier(LoyaltyTable, table=True):
    __tablename__ = "tiers"
    __table_args__ = (CheckConstraint("threshold_fen >= 0", name="ck_tiers_threshold"),)

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=64)
    threshold_fen: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    benefits: str | None = Field(default=None, sa_column=Column(Text))


class EarningRule(LoyaltyTable, table=True):
    """The single earning rule (``id`` is always 1). Its row is also the program's lock:
    point changes read it ``FOR SHARE``, replacing the ladder takes it ``FOR UPDATE``."""

    __tablename__ = "earning_rule"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_earning_rule_single_row"),
        CheckConstraint("points_per_yuan >= 0", name="ck_earning_rule_points_per_yuan"),
    )

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    points_per_yuan: int = Field(sa_column=Column(Integer, nullable=False))
    tier_multipliers_percent: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
