"""Tables of the saved segments: the definitions, their runs (the refreshes, each its own
due work) and the materialised membership. No foreign keys (as elsewhere in analytics):
deleting a segment deletes its runs and members in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.analytics.base import AnalyticsTable


def _moment(*, nullable: bool) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class Segment(AnalyticsTable, table=True):
    """A saved segment: its name, criterion (the request's JSON, see
    :class:`~.schemas.Criterion`) and refresh interval. ``next_refresh_at`` is when the
    schedule queues its next run; ``sequence`` counts its finished runs (the last one's
    number); ``members`` is how many it had after that run."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_next_refresh_at", "next_refresh_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
    criterion: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    refresh_every_hours: int = Field(sa_column=Column(Integer, nullable=False))
    next_refresh_at: datetime = _moment(nullable=False)
    sequence: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    members: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    refreshed_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment(nullable=False)
    updated_at: datetime = _moment(nullable=False)


class SegmentRun(AnalyticsTable, table=True):
    """One refresh of a segment: ``queued`` rows are the due work the refresher claims
    (``FOR UPDATE SKIP LOCKED``) and turns ``done`` in the transaction that rewrites the
    membership and writes its events to the outbox, so a crash leaves it queued."""

    __tablename__ = "segment_runs"
    __table_args__ = (
        Index("ix_segment_runs_queued", "requested_at", postgresql_where="state = 'queued'"),
        Index("ix_segment_runs_segment", "segment_id", "requested_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    segment_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    trigger: str = Field(sa_column=Column(String(16), nullable=False))
    requested_at: datetime = _moment(nullable=False)
    finished_at: datetime | None = _moment(nullable=True)
    sequence: int | None = Field(default=None, sa_column=Column(Integer))
    members: int | None = Field(default=None, sa_column=Column(Integer))
    added: int | None = Field(default=None, sa_column=Column(Integer))
    removed: int | None = Field(default=None, sa_column=Column(Integer))
    events: int | None = Field(default=None, sa_column=Column(Integer))


class SegmentMember(AnalyticsTable, table=True):
    """A member in a segment as of its last run."""

    __tablename__ = "segment_members"

    segment_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
    member_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
