"""Queries of the broadcast tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, Uuid, func, literal, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from services.messaging.broadcasts.models import Broadcast, BroadcastRecipient
from shared.db import AsyncSession
from shared.pagination import PageKey

_recipients = BroadcastRecipient.__table__  # type: ignore[attr-defined]


async def add(session: AsyncSession, row: Broadcast) -> Broadcast:
    session.add(row)
    await session.flush()
    return row


async def get(
    session: AsyncSession, broadcast_id: uuid.UUID, *, lock: bool = False
) -> Broadcast | None:
    """The broadcast; locked until the transaction ends with ``lock`` (a worker's batch of
    it waits, or is waited for)."""
    return await session.get(Broadcast, broadcast_id, with_for_update=lock or None)


async def take_recipients(
    session: AsyncSession, broadcast_id: uuid.UUID, members: Select[tuple[uuid.UUID]]
) -> int:
    """The snapshot: one ``INSERT … SELECT`` of the ``members`` selection as pending
    recipients; how many."""
    chosen = members.subquery()
    result = await session.execute(
        insert(_recipients)
        .from_select(
            ["broadcast_id", "member_id", "state"],
            select(literal(broadcast_id, Uuid), chosen.c[0], literal("pending")).distinct(),
        )
        .on_conflict_do_nothing()
        .returning(_recipients.c.member_id)
    )
    return len(result.all())


async def claim_due(session: AsyncSession, now: datetime) -> Broadcast | None:
    """One scheduled or sending broadcast due by ``now``, locked; another worker's is
    skipped (``SKIP LOCKED``), so replicas share the broadcasts and never one batch."""
    query = (
        select(Broadcast)
        .where(col(Broadcast.state).in_(("scheduled", "sending")), col(Broadcast.due_at) <= now)
        .order_by(col(Broadcast.due_at))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).first()


async def next_due(session: AsyncSession) -> datetime | None:
    """The earliest ``due_at`` of the scheduled and sending broadcasts."""
    query = select(func.min(Broadcast.due_at)).where(
        col(Broadcast.state).in_(("scheduled", "sending"))
    )
    return (await session.execute(query)).scalar_one()


async def pending(session: AsyncSession, broadcast_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    """Up to ``limit`` of its pending recipients, in member id order."""
    query = (
        select(BroadcastRecipient.member_id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state == "pending"
        )
        .order_by(col(BroadcastRecipient.member_id))
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def mark(
    session: AsyncSession,
    broadcast_id: uuid.UUID,
    members: list[uuid.UUID] | None,
    state: str,
    at: datetime,
) -> int:
    """Pending recipients (those of ``members``; all with ``None``) become ``state``."""
    query = update(_recipients).where(
        _recipients.c.broadcast_id == broadcast_id, _recipients.c.state == "pending"
    )
    if members is not None:
        query = query.where(_recipients.c.member_id.in_(members))
    result = await session.execute(
        query.values(state=state, notified_at=at).returning(_recipients.c.member_id)
    )
    return len(result.all())


async def recipient_counts(session: AsyncSession, broadcast_id: uuid.UUID) -> dict[str, int]:
    """How many of its recipients are in each state."""
    query = (
        select(BroadcastRecipient.state, func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(col(BroadcastRecipient.state))
    )
    return {state: int(count) for state, count in (await session.execute(query)).all()}


async def page(
    session: AsyncSession, limit: int, after: PageKey | None, state: str | None
) -> list[Broadcast]:
    """Up to ``limit`` broadcasts (in ``state``, if given), newest first, after ``after``."""
    key = (col(Broadcast.created_at), col(Broadcast.id))
    query = select(Broadcast).order_by(*(k.desc() for k in key)).limit(limit)
    if after is not None:
        query = query.where(tuple_(*key) < (after.at, after.id))
    if state is not None:
        query = query.where(Broadcast.state == state)
    return list((await session.scalars(query)).all())
