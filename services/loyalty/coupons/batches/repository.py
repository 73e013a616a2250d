"""Statements of bulk grants: a batch and its members written, due members claimed in
chunks (``FOR UPDATE SKIP LOCKED``), each settled, and a batch's progress counted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, Uuid, and_, exists, func, insert, literal, select, update
from sqlmodel import col

from services.loyalty.coupons.batches.models import GrantBatch, GrantItem
from shared.db import AsyncSession

_items = GrantItem.__table__  # type: ignore[attr-defined]


async def add_batch(
    session: AsyncSession, batch: GrantBatch, member_ids: Sequence[uuid.UUID]
) -> None:
    """The batch and a due row per member, in the caller's transaction."""
    session.add(batch)
    await session.flush()
    await session.execute(
        insert(_items),
        [{"batch_id": batch.id, "member_id": member, "status": "due"} for member in member_ids],
    )


async def add_batch_from(
    session: AsyncSession, batch: GrantBatch, members: Select[tuple[uuid.UUID]], at: datetime
) -> None:
    """The batch and a due row per member the selection finds, inserted from it in one
    statement (one snapshot, no ids through Python); ``total`` is how many, and a batch
    of none is finished ``at`` once."""
    session.add(batch)
    await session.flush()
    chosen = members.subquery()
    inserted = await session.execute(
        insert(_items).from_select(
            ["batch_id", "member_id", "status"],
            select(literal(batch.id, Uuid), chosen.c.member_id, literal("due")),
        )
    )
    batch.total = inserted.rowcount  # type: ignore[attr-defined]
    batch.finished_at = at if batch.total == 0 else None
    await session.flush()


async def batch(session: AsyncSession, batch_id: uuid.UUID) -> GrantBatch | None:
    return await session.get(GrantBatch, batch_id)


async def claim(session: AsyncSession, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Up to ``limit`` due ``(batch_id, member_id)``, locked to the end of the
    transaction; rows another worker holds are skipped, so workers never wait on or
    double each other's chunks."""
    query = (
        select(col(GrantItem.batch_id), col(GrantItem.member_id))
        .where(col(GrantItem.status) == "due")
        .order_by(col(GrantItem.batch_id), col(GrantItem.member_id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row[0], row[1]) for row in await session.execute(query)]


async def settle(
    session: AsyncSession,
    batch_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    coupon_id: uuid.UUID | None,
    reason: str | None,
) -> None:
    await session.execute(
        update(GrantItem)
        .where(col(GrantItem.batch_id) == batch_id, col(GrantItem.member_id) == member_id)
        .values(
            status="granted" if coupon_id is not None else "refused",
            coupon_id=coupon_id,
            reason=reason,
        )
    )


async def finish(session: AsyncSession, batch_ids: Sequence[uuid.UUID], at: datetime) -> None:
    """Marks finished those of the batches with no member left due."""
    due = exists().where(
        and_(col(GrantItem.batch_id) == col(GrantBatch.id), col(GrantItem.status) == "due")
    )
    await session.execute(
        update(GrantBatch)
        .where(col(GrantBatch.id).in_(batch_ids), col(GrantBatch.finished_at).is_(None), ~due)
        .values(finished_at=at)
    )


async def counts(session: AsyncSession, batch_id: uuid.UUID) -> dict[tuple[str, str | None], int]:
    """How many of the batch's members are in each ``(status, reason)``."""
    query = (
        select(col(GrantItem.status), col(GrantItem.reason), func.count())
        .where(col(GrantItem.batch_id) == batch_id)
        .group_by(col(GrantItem.status), col(GrantItem.reason))
    )
    return {(row[0], row[1]): int(row[2]) for row in await session.execute(query)}


async def refused(
    session: AsyncSession, batch_id: uuid.UUID, limit: int, after: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str]]:
    """``limit`` refused members of the batch by id, those after ``after`` when given, with
    their reason."""
    member_id = col(GrantItem.member_id)
    query = select(member_id, col(GrantItem.reason)).where(
        col(GrantItem.batch_id) == batch_id, col(GrantItem.status) == "refused"
    )
    if after is not None:
        query = query.where(member_id > after)
    query = query.order_by(member_id).limit(limit)
    return [(row[0], str(row[1])) for row in await session.execute(query)]
