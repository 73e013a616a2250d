"""Queries of the analytics schema: read-model upserts and KPI aggregates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from services.analytics.models import MemberStats, NotificationDay, Purchase, PurchaseReturn
from shared.db import AsyncSession

_member_pk = [col(MemberStats.member_id)]


async def record_registration(
    session: AsyncSession, member_id: uuid.UUID, registered_at: datetime, store_id: uuid.UUID | None
) -> None:
    stmt = insert(MemberStats).values(
        member_id=member_id, registered_at=registered_at, store_id=store_id
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=_member_pk,
            set_={"registered_at": stmt.excluded.registered_at, "store_id": stmt.excluded.store_id},
        )
    )


async def insert_purchase(
    session: AsyncSession,
    *,
    purchase_id: uuid.UUID,
    member_id: uuid.UUID,
    store_id: uuid.UUID,
    total_fen: int,
    purchased_at: datetime,
) -> bool:
    """Adds the fact row; ``False`` if this purchase was already recorded."""
    inserted = await session.scalar(
        insert(Purchase)
        .values(
            purchase_id=purchase_id,
            member_id=member_id,
            store_id=store_id,
            total_fen=total_fen,
            purchased_at=purchased_at,
        )
        .on_conflict_do_nothing(index_elements=[col(Purchase.purchase_id)])
        .returning(col(Purchase.purchase_id))
    )
    return inserted is not None


async def add_purchase_to_member(
    session: AsyncSession, member_id: uuid.UUID, total_fen: int, purchased_at: datetime
) -> None:
    stmt = insert(MemberStats).values(
        member_id=member_id,
        purchase_count=1,
        spend_fen=total_fen,
        first_purchase_at=purchased_at,
        last_purchase_at=purchased_at,
    )
    # LEAST and GREATEST ignore NULLs, so the first purchase sets both moments
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=_member_pk,
            set_={
                "purchase_count": col(MemberStats.purchase_count) + 1,
                "spend_fen": col(MemberStats.spend_fen) + total_fen,
                "first_purchase_at": func.least(
                    col(MemberStats.first_purchase_at), stmt.excluded.first_purchase_at
                ),
                "last_purchase_at": func.greatest(
                    col(MemberStats.last_purchase_at), stmt.excluded.last_purchase_at
                ),
            },
        )
    )


async def insert_return(
    session: AsyncSession,
    *,
    return_id: uuid.UUID,
    purchase_id: uuid.UUID,
    amount_fen: int,
    returned_at: datetime,
) -> bool:
    """Records the return; ``False`` if it was already applied."""
    inserted = await session.scalar(
        insert(PurchaseReturn)
        .values(
            return_id=return_id,
            purchase_id=purchase_id,
            amount_fen=amount_fen,
            returned_at=returned_at,
        )
        .on_conflict_do_nothing(index_elements=[col(PurchaseReturn.return_id)])
        .returning(col(PurchaseReturn.return_id))
    )
    return inserted is not None


async def purchase_for_update(session: AsyncSession, purchase_id: uuid.UUID) -> Purchase | None:
    stmt = select(Purchase).where(col(Purchase.purchase_id) == purchase_id).with_for_update()
    return (await session.scalars(stmt)).first()


async def set_purchase_returned(
    session: AsyncSession, purchase_id: uuid.UUID, returned_fen: int, fully_returned: bool
) -> None:
    await session.execute(
        update(Purchase)
        .where(col(Purchase.purchase_id) == purchase_id)
        .values(returned_fen=returned_fen, fully_returned=fully_returned)
    )


async def add_return_to_member(
    session: AsyncSession, member_id: uuid.UUID, refunded_fen: int, purchase_count_delta: int
) -> None:
    await session.execute(
        update(MemberStats)
        .where(col(MemberStats.member_id) == member_id)
        .values(
            returned_fen=col(MemberStats.returned_fen) + refunded_fen,
            purchase_count=col(MemberStats.purchase_count) + purchase_count_delta,
        )
    )


async def set_tier(session: AsyncSession, member_id: uuid.UUID, tier_code: str) -> None:
    stmt = insert(MemberStats).values(member_id=member_id, tier_code=tier_code)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=_member_pk, set_={"tier_code": stmt.excluded.tier_code}
        )
    )


async def count_notification(session: AsyncSession, day: date, channel: str, status: str) -> None:
    stmt = insert(NotificationDay).values(day=day, channel=channel, status=status, count=1)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[
                col(NotificationDay.day),
                col(NotificationDay.channel),
                col(NotificationDay.status),
            ],
            set_={"count": col(NotificationDay.count) + 1},
        )
    )


async def member(session: AsyncSession, member_id: uuid.UUID) -> MemberStats | None:
    return await session.get(MemberStats, member_id)


@dataclass(frozen=True)
class KpiCounts:
    members: int
    active_members: int
    purchasing_members: int
    repeat_members: int
    revenue_fen: int
    purchases: int


async def kpi_counts(session: AsyncSession, active_since: datetime) -> KpiCounts:
    """Aggregates over the member rows, plus an index range scan for the active window."""
    count = col(MemberStats.purchase_count)
    totals = (
        await session.execute(
            sa.select(
                func.count().filter(col(MemberStats.registered_at).is_not(None)),
                func.count().filter(count >= 1),
                func.count().filter(count >= 2),
                func.coalesce(
                    func.sum(col(MemberStats.spend_fen) - col(MemberStats.returned_fen)), 0
                ),
                func.coalesce(func.sum(count), 0),
            )
        )
    ).one()
    active = await session.scalar(
        select(func.count(func.distinct(col(Purchase.member_id)))).where(
            col(Purchase.purchased_at) >= active_since, col(Purchase.fully_returned).is_(False)
        )
    )
    return KpiCounts(
        members=int(totals[0]),
        active_members=int(active or 0),
        purchasing_members=int(totals[1]),
        repeat_members=int(totals[2]),
        revenue_fen=int(totals[3]),
        purchases=int(totals[4]),
    )
