"""Analytics' saved segments, published on ``analytics.events`` for the services that act
on them (messaging's bulk sends, loyalty's coupon grants) without reading analytics'
schema. Member ids only, no personal data; keyed by the segment (its ``subject``), so one
segment's events stay in order on one partition.

A refresh (a *run*) diffs the new membership against the previous one and publishes the
difference as ``chunk_count`` events of at most :data:`MAX_IDS_PER_EVENT` ids each
(``added`` and ``removed`` together), every one carrying the run's ``sequence``, which
grows by one with each run of the segment. A consumer applies a chunk as set additions and
removals (idempotent on redelivery) and skips chunks of a run older than the newest it
applied.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events.envelope import EventPayload

MAX_IDS_PER_EVENT = 1_000
"""Member ids (added + removed) one ``analytics.segment.changed`` carries at most."""


class SegmentChanged(EventPayload):
    """One chunk of a run's membership difference."""

    event_type: ClassVar[str] = "analytics.segment.changed"
    subject_field: ClassVar[str] = "segment_id"

    segment_id: uuid.UUID
    name: str
    run_id: uuid.UUID
    sequence: int = Field(ge=1, description="The run's number, 1, 2, … per segment")
    chunk_index: int = Field(ge=0, description="0 to chunk_count − 1")
    chunk_count: int = Field(ge=1)
    added: list[uuid.UUID]
    removed: list[uuid.UUID]
    members: int = Field(ge=0, description="Members in the segment after the whole run")
    refreshed_at: datetime


class SegmentDeleted(EventPayload):
    """The segment was deleted: consumers drop their copy of its members."""

    event_type: ClassVar[str] = "analytics.segment.deleted"
    subject_field: ClassVar[str] = "segment_id"

    segment_id: uuid.UUID
    deleted_at: datetime
