"""The rules capability's table: every version of the earning rules ever put."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Identity, Index, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, now, timestamp_column


class EarningRuleVersion(LoyaltyTable, table=True):
    """One version of the earning rules, rating the sales made from ``effective_from`` until
    the next version's (of equal times the higher version wins). Never updated: a change is
    a new version, so a sale is always rated by the rules of its own time."""

    __tablename__ = "earning_rule_versions"
    __table_args__ = (Index("ix_earning_rule_versions_effective", "effective_from", "version"),)

    version: int | None = Field(
        default=None, sa_column=Column(Integer, Identity(), primary_key=True)
    )
    effective_from: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    rules: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    """A :class:`~services.loyalty.rules.schemas.RuleSetIn` as JSON."""
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
