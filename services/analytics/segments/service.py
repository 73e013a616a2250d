"""Use cases of the saved segments: define, change, delete, queue a refresh, refresh the
next queued one (the materialisation), read the runs and the members. They flush, never
commit: the request or the refresher owns the transaction, so a run's membership, its
``done`` and its events commit together or not at all."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from services.analytics.base import emit
from services.analytics.segmentation import service as segmentation
from services.analytics.segments import domain, repository
from services.analytics.segments.errors import SegmentNotFound, SegmentRunNotFound
from services.analytics.segments.models import Segment, SegmentRun
from services.analytics.segments.schemas import (
    MEMBER_HEADER,
    Criterion,
    MemberPage,
    MemberRow,
    RunOut,
    SegmentIn,
    SegmentOut,
    SegmentPage,
)
from shared.csvtext import csv_text
from shared.db import AsyncSession
from shared.events.segments import MAX_IDS_PER_EVENT, SegmentChanged, SegmentDeleted
from shared.pagination import PageKey, encode_cursor, keyset_page

Trigger = Literal["created", "changed", "request", "schedule"]
DUE_BATCH = 100
"""Segments the schedule queues runs for in one transaction."""


async def create(session: AsyncSession, body: SegmentIn, now: datetime) -> SegmentOut:
    """Saves the segment and queues its first run (``created``)."""
    segment = Segment(
        name=body.name,
        criterion=body.criterion.stored(),
        refresh_every_hours=body.refresh_every_hours,
        next_refresh_at=domain.next_refresh(now, body.refresh_every_hours),
        created_at=now,
        updated_at=now,
    )
    repository.add(session, segment)
    await session.flush()
    await _queue(session, segment, "created", now)
    return _out(segment)


async def replace(
    session: AsyncSession, segment_id: uuid.UUID, body: SegmentIn, now: datetime
) -> SegmentOut:
    """Changes the name, criterion and interval and queues a run (``changed``). Raises
    :class:`SegmentNotFound`."""
    segment = await _segment(session, segment_id, lock=True)
    segment.name = body.name
    segment.criterion = body.criterion.stored()
    segment.refresh_every_hours = body.refresh_every_hours
    segment.next_refresh_at = domain.next_refresh(now, body.refresh_every_hours)
    segment.updated_at = now
    await _queue(session, segment, "changed", now)
    return _out(segment)


async def remove(session: AsyncSession, segment_id: uuid.UUID, now: datetime) -> None:
    """Deletes the segment, its runs and members, and publishes
    ``analytics.segment.deleted``. Raises :class:`SegmentNotFound`."""
    segment = await _segment(session, segment_id, lock=True)
    await repository.delete_segment(session, segment)
    await emit(session, SegmentDeleted(segment_id=segment_id, deleted_at=now))
    await session.flush()


async def get(session: AsyncSession, segment_id: uuid.UUID) -> SegmentOut:
    """Raises :class:`SegmentNotFound`."""
    return _out(await _segment(session, segment_id))


async def page(session: AsyncSession, limit: int, after: PageKey | None) -> SegmentPage:
    """Up to ``limit`` segments, oldest first, after ``after``."""
    rows = await repository.page(
        session, limit + 1, None if after is None else (after.at, after.id)
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return SegmentPage(
        items=[_out(row) for row in rows[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def segments_of(session: AsyncSession, member_id: uuid.UUID) -> list[SegmentOut]:
    """The saved segments the member is in (as of each one's last run): their part of an
    export."""
    return [_out(segment) for segment in await repository.of_member(session, member_id)]


async def request_refresh(session: AsyncSession, segment_id: uuid.UUID, now: datetime) -> RunOut:
    """Queues a run (``request``), or answers the one already queued. Raises
    :class:`SegmentNotFound`."""
    segment = await _segment(session, segment_id, lock=True)
    return _run_out(await _queue(session, segment, "request", now))


async def get_run(session: AsyncSession, segment_id: uuid.UUID, run_id: uuid.UUID) -> RunOut:
    """Raises :class:`SegmentRunNotFound`."""
    run = await repository.get_run(session, segment_id, run_id)
    if run is None:
        raise SegmentRunNotFound(f"segment {segment_id} has no run {run_id}")
    return _run_out(run)


async def queue_due(session: AsyncSession, now: datetime) -> int:
    """Queues a run (``schedule``) of every segment whose refresh is due at ``now`` and
    moves its next refresh on; how many (at most :data:`DUE_BATCH`)."""
    due = await repository.claim_due(session, now, DUE_BATCH)
    for segment in due:
        segment.next_refresh_at = domain.next_refresh(now, segment.refresh_every_hours)
        await _queue(session, segment, "schedule", now)
    return len(due)


async def refresh_next(session: AsyncSession, zone: ZoneInfo, now: datetime) -> RunOut | None:
    """Claims the oldest queued run and materialises its segment at ``now``: the new
    membership replaces the old in one statement, the difference goes to the outbox as
    ``analytics.segment.changed`` events of at most 1,000 ids (at least one event per
    run), numbered by the segment's next ``sequence``; the run turns ``done``. None when
    no run was queued, or its segment is held by a request (the run stays queued)."""
    run = await repository.claim_run(session)
    if run is None:
        return None
    # a request holding the segment (PUT, DELETE, refresh) waits for no run: the run steps
    # aside (stays queued for the next poll) rather than wait with the run's lock held,
    # which a DELETE deleting the segment's runs would wait for in turn (a deadlock)
    segment = await repository.get_unless_locked(session, run.segment_id)
    if segment is None:
        return None
    criteria = _criteria(Criterion.model_validate(segment.criterion))
    selection = await segmentation.selection(session, zone, now, criteria)
    added, removed = await repository.rewrite(session, segment.id, selection)
    segment.sequence += 1
    segment.members += len(added) - len(removed)
    segment.refreshed_at = now
    parts = domain.chunks(added, removed, MAX_IDS_PER_EVENT)
    await emit(
        session,
        *(
            SegmentChanged(
                segment_id=segment.id,
                name=segment.name,
                run_id=run.id,
                sequence=segment.sequence,
                chunk_index=index,
                chunk_count=len(parts),
                added=joined,
                removed=left,
                members=segment.members,
                refreshed_at=now,
            )
            for index, (joined, left) in enumerate(parts)
        ),
    )
    run.state, run.finished_at, run.sequence = "done", now, segment.sequence
    run.members, run.added, run.removed, run.events = (
        segment.members,
        len(added),
        len(removed),
        len(parts),
    )
    await session.flush()
    return _run_out(run)


async def member_page(
    session: AsyncSession, segment_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> MemberPage:
    """The segment's members as of its last run, in member id order. Raises
    :class:`SegmentNotFound`."""
    await _segment(session, segment_id)
    rows = await repository.member_page(session, segment_id, after, limit + 1)
    page, cursor = keyset_page(rows, limit, lambda row: str(row["member_id"]))
    return MemberPage(items=[MemberRow(**row) for row in page], next_cursor=cursor)


def member_csv(page: MemberPage) -> str:
    rows = ([getattr(item, name) for name in MEMBER_HEADER] for item in page.items)
    return csv_text(
        MEMBER_HEADER,
        ([v.isoformat() if isinstance(v, datetime) else v for v in row] for row in rows),
    )


def _criteria(criterion: Criterion) -> segmentation.Criteria:
    rfm, churn = criterion.rfm, criterion.churn_risk
    spend, purchases, last = criterion.net_spend_fen, criterion.purchases, criterion.last_purchase
    return segmentation.Criteria(
        bins=5 if rfm is None else rfm.bins,
        scores={}
        if rfm is None
        else {name: v for name in ("r", "f", "m") if (v := getattr(rfm, name)) is not None},
        quadrants=criterion.quadrants,
        sleeping_months=None if criterion.sleeping is None else criterion.sleeping.months,
        churn=None if churn is None else (churn.kind, churn.parameter),
        tiers=criterion.tiers,
        tags=criterion.tags,
        net_spend_fen=(None, None) if spend is None else (spend.min, spend.max),
        purchases=(None, None) if purchases is None else (purchases.min, purchases.max),
        last_purchase=(None, None) if last is None else (last.from_, last.until),
        clv=None
        if (band := criterion.clv) is None
        else segmentation.ClvBand(band.min, band.max, band.horizon, band.annual_discount_rate),
    )


async def _queue(
    session: AsyncSession, segment: Segment, trigger: Trigger, now: datetime
) -> SegmentRun:
    """The segment's queued run, or a new one."""
    queued = await repository.queued_run(session, segment.id)
    if queued is not None:
        return queued
    run = SegmentRun(segment_id=segment.id, state="queued", trigger=trigger, requested_at=now)
    repository.add(session, run)
    await session.flush()
    return run


async def _segment(session: AsyncSession, segment_id: uuid.UUID, *, lock: bool = False) -> Segment:
    segment = await repository.get(session, segment_id, lock=lock)
    if segment is None:
        raise SegmentNotFound(f"no segment with id {segment_id}")
    return segment


def _out(segment: Segment) -> SegmentOut:
    return SegmentOut.model_validate(segment, from_attributes=True)


def _run_out(run: SegmentRun) -> RunOut:
    return RunOut.model_validate(run, from_attributes=True)
