"""A consuming service's copy of analytics' saved segments, kept from
``analytics.segment.changed`` and ``analytics.segment.deleted`` in its own schema (so it
never reads analytics'): each segment's name and newest run applied (``segments``) and its
members (``segment_members``). Built on a service's metadata like its inbox
(``SegmentCopies(MessagingTable.metadata)``); the tables come with
``shared.migrations.create_segment_copies``.

Applying a chunk is set additions and removals, so a redelivered chunk changes nothing; a
chunk of a run older than the newest applied is skipped (a replay of retained outbox
rows), so an old run never re-adds a member a newer one removed.
"""

from __future__ import annotations

import uuid

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Uuid,
    delete,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.segments import SegmentChanged, SegmentDeleted

MAX_NAME = 100


class SegmentCopies:
    """The ``segments`` and ``segment_members`` tables of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        self.segments = Table(
            "segments",
            metadata,
            Column("segment_id", Uuid, primary_key=True),
            Column("name", String(MAX_NAME), nullable=False),
            Column("sequence", Integer, nullable=False),
            Column("members", Integer, nullable=False),
            Column("refreshed_at", DateTime(timezone=True), nullable=False),
        )
        self.members = Table(
            "segment_members",
            metadata,
            Column("segment_id", Uuid, primary_key=True),
            Column("member_id", Uuid, primary_key=True),
        )

    async def apply(self, session: AsyncSession, changed: SegmentChanged) -> bool:
        """Adds and removes the chunk's members; False (nothing done) when a newer run of
        the segment was applied already."""
        values = {
            "segment_id": changed.segment_id,
            "name": changed.name,
            "sequence": changed.sequence,
            "members": changed.members,
            "refreshed_at": changed.refreshed_at,
        }
        insert = pg_insert(self.segments).values(values)
        kept = await session.execute(
            insert.on_conflict_do_update(
                index_elements=["segment_id"],
                set_={name: insert.excluded[name] for name in values if name != "segment_id"},
                where=self.segments.c.sequence <= insert.excluded.sequence,
            ).returning(self.segments.c.segment_id)
        )
        if kept.first() is None:
            return False
        if changed.removed:
            await session.execute(
                delete(self.members).where(
                    self.members.c.segment_id == changed.segment_id,
                    self.members.c.member_id.in_(changed.removed),
                )
            )
        if changed.added:
            await session.execute(
                pg_insert(self.members)
                .values([{"segment_id": changed.segment_id, "member_id": m} for m in changed.added])
                .on_conflict_do_nothing()
            )
        return True

    async def drop(self, session: AsyncSession, deleted: SegmentDeleted) -> None:
        """Forgets the segment and its members."""
        await session.execute(
            delete(self.members).where(self.members.c.segment_id == deleted.segment_id)
        )
        await session.execute(
            delete(self.segments).where(self.segments.c.segment_id == deleted.segment_id)
        )

    async def forget_member(self, session: AsyncSession, member_id: uuid.UUID) -> None:
        """Takes the member out of every segment copied (their erasure)."""
        await session.execute(delete(self.members).where(self.members.c.member_id == member_id))

    async def known(self, session: AsyncSession, segment_id: uuid.UUID) -> bool:
        """Whether a run of the segment was applied (and it was not deleted since)."""
        found = await session.execute(
            select(self.segments.c.segment_id).where(self.segments.c.segment_id == segment_id)
        )
        return found.first() is not None

    def member_ids(self, segment_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
        """The segment's members as a selection (for an ``INSERT … SELECT`` or an
        ``IN``); empty for a segment this service has not heard of."""
        return select(self.members.c.member_id).where(self.members.c.segment_id == segment_id)
