"""Tables of yearly-spend band rules: the rule (bands of qualifying spend, each naming a
definition) and its runs, one per rule and year."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, SmallInteger
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, now, timestamp_column
from shared.tokens import MAX_SUBJECT_LENGTH

MAX_NAME = 80


class BandRule(LoyaltyTable, table=True):
    """``bands``: ``[{"min_spend_fen": int, "definition_id": uuid}]``, highest first. With
    ``run_on_month``/``run_on_day`` the daily job runs it on that day of each year for the
    year before."""

    __tablename__ = "coupon_band_rules"
    __table_args__ = (
        CheckConstraint(
            "(run_on_month IS NULL) = (run_on_day IS NULL) "
            "AND (run_on_month IS NULL OR run_on_month BETWEEN 1 AND 12) "
            "AND (run_on_day IS NULL OR run_on_day BETWEEN 1 AND 28)",
            name="ck_coupon_band_rules_run_on",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=MAX_NAME)
    bands: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    run_on_month: int | None = Field(default=None, sa_column=Column(SmallInteger))
    run_on_day: int | None = Field(default=None, sa_column=Column(SmallInteger))
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    created_by: str = Field(max_length=MAX_SUBJECT_LENGTH)


class BandRun(LoyaltyTable, table=True):
    """A rule run for a year: which members fell in which band, as the grant batch of each
    band (``bands``: ``[{"min_spend_fen", "definition_id", "members", "batch_id"}]``,
    ``batch_id`` null for a band nobody reached). One per ``(rule, year)``: a run again
    answers this one, so each member gets at most one coupon of the rule a year."""

    __tablename__ = "coupon_band_runs"

    rule_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.coupon_band_rules.id"), primary_key=True)
    )
    year: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    bands: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    created_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
