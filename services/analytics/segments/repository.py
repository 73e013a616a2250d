"""Statements of the saved segments. The membership is rewritten by one statement that
selects the new members, deletes those who left and inserts those who joined (data-
modifying CTEs over one snapshot), answering only the difference."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, Uuid, and_, delete, exists, literal, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col

from services.analytics.facts.models import MemberStats
from services.analytics.segments.models import Segment, SegmentMember, SegmentRun
from shared.db import AsyncSession

_members: Table = SegmentMember.__table__  # type: ignore[attr-defined]
_stats: Table = MemberStats.__table__  # type: ignore[attr-defined]


def add(session: AsyncSession, row: Segment | SegmentRun) -> None:
    session.add(row)


async def get(
    session: AsyncSession, segment_id: uuid.UUID, *, lock: bool = False
) -> Segment | None:
    return await session.get(Segment, segment_id, with_for_update=lock)


async def get_unless_locked(session: AsyncSession, segment_id: uuid.UUID) -> Segment | None:
    """The segment, locked for this transaction; None when another transaction holds it
    (a request changing or deleting it) or it is gone."""
    return await session.get(Segment, segment_id, with_for_update={"skip_locked": True})


async def page(
    session: AsyncSession, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> list[Segment]:
    """Segments oldest first (``created_at``, then id), after ``after``."""
    query = select(Segment).order_by(col(Segment.created_at), col(Segment.id)).limit(limit)
    if after is not None:
        query = query.where(tuple_(col(Segment.created_at), col(Segment.id)) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def delete_segment(session: AsyncSession, segment: Segment) -> None:
    """Deletes the segment with its runs and members."""
    await session.execute(delete(_members).where(_members.c.segment_id == segment.id))
    await session.execute(delete(SegmentRun).where(col(SegmentRun.segment_id) == segment.id))
    await session.delete(segment)


async def queued_run(session: AsyncSession, segment_id: uuid.UUID) -> SegmentRun | None:
    query = select(SegmentRun).where(
        col(SegmentRun.segment_id) == segment_id, col(SegmentRun.state) == "queued"
    )
    return (await session.scalars(query.limit(1))).first()


async def get_run(
    session: AsyncSession, segment_id: uuid.UUID, run_id: uuid.UUID
) -> SegmentRun | None:
    run = await session.get(SegmentRun, run_id)
    return run if run is not None and run.segment_id == segment_id else None


async def claim_run(session: AsyncSession) -> SegmentRun | None:
    """The oldest queued run, locked for this transaction; one another worker holds is
    skipped."""
    query = (
        select(SegmentRun)
        .where(col(SegmentRun.state) == "queued")
        .order_by(col(SegmentRun.requested_at))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).first()


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[Segment]:
    """Segments whose scheduled refresh is due at ``now``, locked (skipping those another
    worker holds)."""
    query = (
        select(Segment)
        .where(col(Segment.next_refresh_at) <= now)
        .order_by(col(Segment.next_refresh_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def rewrite(
    session: AsyncSession, segment_id: uuid.UUID, selection: Select[tuple[uuid.UUID]]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Makes the segment's members exactly ``selection``'s; (added, removed) ids, each in
    member id order."""
    new = selection.cte("new")
    member = _members.c
    removed = (
        delete(_members)
        .where(
            member.segment_id == segment_id,
            ~exists().where(new.c.member_id == member.member_id),
        )
        .returning(member.member_id)
        .cte("removed")
    )
    added = (
        pg_insert(_members)
        .from_select(
            ["segment_id", "member_id"],
            select(literal(segment_id, Uuid()), new.c.member_id),
        )
        .on_conflict_do_nothing()
        .returning(member.member_id)
        .cte("added")
    )
    query = select(literal(True).label("joined"), added.c.member_id).union_all(
        select(literal(False), removed.c.member_id)
    )
    rows = sorted((await session.execute(query)).all(), key=lambda row: row[1])
    return [m for joined, m in rows if joined], [m for joined, m in rows if not joined]


async def member_page(
    session: AsyncSession, segment_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    """The segment's members in member id order after ``after``, with their purchases,
    net spend (fen) and last purchase from the members read model."""
    member, stats = _members.c, _stats.c
    query = (
        select(
            member.member_id,
            stats.purchase_count.label("purchases"),
            (stats.spend_fen - stats.returned_fen).label("net_spend_fen"),
            stats.last_purchase_at,
        )
        .join(_stats, stats.member_id == member.member_id)
        .where(
            and_(member.segment_id == segment_id, *([member.member_id > after] if after else []))
        )
        .order_by(member.member_id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in await session.execute(query)]


async def of_member(session: AsyncSession, member_id: uuid.UUID) -> list[Segment]:
    """The saved segments whose last run took the member in, by name."""
    query = (
        select(Segment)
        .join(SegmentMember, col(SegmentMember.segment_id) == col(Segment.id))
        .where(col(SegmentMember.member_id) == member_id)
        .order_by(col(Segment.name))
    )
    return list((await session.scalars(query)).all())
