"""Tables of the CLV fits: a fit is its own due work, its members' summaries beside it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlmodel import Field

from services.analytics.base import AnalyticsTable


def _number() -> Any:
    return Field(default=None, sa_column=Column(Double))


class ClvFit(AnalyticsTable, table=True):
    """One fit of BG/NBD and Gamma-Gamma. ``queued`` rows are the due work the fitting
    worker claims (``FOR UPDATE SKIP LOCKED``) and turns ``done`` or ``failed`` in the
    same transaction as its results, so a crash mid-fit leaves it queued for the next run.
    Parameters are in ``time_unit``s; ``gamma`` is in fen."""

    __tablename__ = "clv_fits"
    __table_args__ = (
        Index(
            "ix_clv_fits_queued",
            "requested_at",
            postgresql_where="state = 'queued'",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    state: str = Field(sa_column=Column(String(16), nullable=False))
    calibration_end: date = Field(sa_column=Column(Date, nullable=False))
    holdout_end: date | None = Field(default=None, sa_column=Column(Date))
    time_unit: str = Field(sa_column=Column(String(8), nullable=False))
    requested_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    failure: str | None = Field(default=None, sa_column=Column(Text))
    members: int | None = Field(default=None, sa_column=Column(Integer))
    repeat_members: int | None = Field(default=None, sa_column=Column(Integer))
    r: float | None = _number()
    alpha: float | None = _number()
    a: float | None = _number()
    b: float | None = _number()
    p: float | None = _number()
    q: float | None = _number()
    gamma: float | None = _number()
    log_likelihood: float | None = _number()
    spend_log_likelihood: float | None = _number()
    holdout_predicted: float | None = _number()
    holdout_actual: int | None = Field(default=None, sa_column=Column(Integer))


class ClvFitMember(AnalyticsTable, table=True):
    """A member's purchase summary in a fit's calibration period, in days (see
    :class:`services.analytics.clv.domain.PurchaseHistory`), and their purchase days in
    the holdout (0 when the fit has none). Fits are never deleted, so no foreign key."""

    __tablename__ = "clv_fit_members"

    fit_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
    member_id: uuid.UUID = Field(primary_key=True)
    frequency: int = Field(sa_column=Column(Integer, nullable=False))
    recency_days: int = Field(sa_column=Column(Integer, nullable=False))
    age_days: int = Field(sa_column=Column(Integer, nullable=False))
    monetary_fen: float = Field(sa_column=Column(Double, nullable=False))
    holdout_purchases: int = Field(sa_column=Column(Integer, nullable=False))
