"""The program's tables: the tier ladder and the program's lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, String, Text
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
    """The program's lock (``id`` is always 1; the rules themselves are versions of the rules
    capability since issue 12): point changes read it ``FOR SHARE``, changing the ladder or
    the earning rules takes it ``FOR UPDATE``."""

    __tablename__ = "earning_rule"
    __table_args__ = (CheckConstraint("id = 1", name="ck_earning_rule_single_row"),)

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
