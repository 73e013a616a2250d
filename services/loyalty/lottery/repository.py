"""Queries of lottery draws."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from services.loyalty.base import now
from services.loyalty.lottery.models import (
    ChanceEntry,
    GiftFulfilment,
    LotteryCampaign,
    LotteryChances,
    LotteryDraw,
    LotteryPrize,
    LotteryPurchase,
    LotteryQuota,
)
from shared.db import AsyncSession


async def campaign(session: AsyncSession, campaign_id: uuid.UUID) -> LotteryCampaign | None:
    return await session.get(LotteryCampaign, campaign_id)


async def locked_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> LotteryCampaign | None:
    """The campaign, its row locked and re-read (a change waits for another)."""
    query = (
        select(LotteryCampaign)
        .where(LotteryCampaign.campaign_id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def latest(
    session: AsyncSession, limit: int, before: tuple[datetime, uuid.UUID] | None
) -> list[LotteryCampaign]:
    """``limit`` campaigns the latest starting first (ties by id, highest first), those
    before ``before``'s ``(starts_at, campaign_id)`` when given."""
    starts, campaign_id = col(LotteryCampaign.starts_at), col(LotteryCampaign.campaign_id)
    query = select(LotteryCampaign)
    if before is not None:
        query = query.where(tuple_(starts, campaign_id) < before)
    query = query.order_by(starts.desc(), campaign_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def not_ended(session: AsyncSession, at: datetime) -> list[LotteryCampaign]:
    """The campaigns whose end is after ``at``."""
    query = select(LotteryCampaign).where(col(LotteryCampaign.ends_at) > at)
    return list((await session.scalars(query)).all())


async def prizes(session: AsyncSession, campaign_ids: list[uuid.UUID]) -> list[LotteryPrize]:
    """The campaigns' prizes, by campaign and rank."""
    query = (
        select(LotteryPrize)
        .where(col(LotteryPrize.campaign_id).in_(campaign_ids))
        .order_by(col(LotteryPrize.campaign_id), col(LotteryPrize.rank))
    )
    return list((await session.scalars(query)).all())


async def won_on(
    session: AsyncSession, prize_ids: list[uuid.UUID], day: date
) -> dict[uuid.UUID, int]:
    query = select(LotteryQuota.prize_id, LotteryQuota.won).where(
        col(LotteryQuota.prize_id).in_(prize_ids), LotteryQuota.day == day
    )
    return {row.prize_id: row.won for row in await session.execute(query)}


async def take_quota(session: AsyncSession, prize_id: uuid.UUID, day: date, quota: int) -> bool:
    """Counts one more of the prize won on ``day`` if its quota has room; whether it did.
    One statement: the row's lock serialises racing draws and each re-reads ``won`` after
    the wait, so the last one is taken once; ``ck_lottery_quotas_won`` holds regardless."""
    table = LotteryQuota.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(prize_id=prize_id, day=day, quota=quota, won=1)
        .on_conflict_do_update(
            index_elements=["prize_id", "day"],
            set_={"won": table.c.won + 1},
            where=table.c.won < table.c.quota,
        )
        .returning(table.c.won)
    )
    return (await session.execute(statement)).first() is not None


async def move_chances(
    session: AsyncSession, values: dict[str, Any], *, at_most_balance: bool
) -> tuple[int, int] | None:
    """Records a chance entry (``values`` without ``balance_after``) and moves the member's
    balance by its ``chances``; the entry's chances (``at_most_balance``: a negative one
    takes at most the balance) and the balance after. None, moving nothing, when the
    entry's source was recorded before, or a draw found no chance left."""
    table = LotteryChances.__table__  # type: ignore[attr-defined]
    key = {"campaign_id": values["campaign_id"], "member_id": values["member_id"]}
    await session.execute(insert(table).values(**key, balance=0).on_conflict_do_nothing())
    balance = await session.scalar(
        select(LotteryChances.balance)
        .where(LotteryChances.campaign_id == key["campaign_id"])
        .where(LotteryChances.member_id == key["member_id"])
        .with_for_update()
    )
    assert balance is not None
    chances = int(values["chances"])
    if at_most_balance:
        chances = -min(-chances, balance)
    elif balance + chances < 0:
        return None
    entry = insert(ChanceEntry).values(
        **{**values, "chances": chances, "balance_after": balance + chances, "created_at": now()}
    )
    inserted = await session.execute(
        entry.on_conflict_do_nothing(
            index_elements=["campaign_id", "source_type", "source_id"]
        ).returning(col(ChanceEntry.entry_id))
    )
    if inserted.first() is None:
        return None
    if chances:
        await session.execute(
            update(table)
            .where(table.c.campaign_id == key["campaign_id"], table.c.member_id == key["member_id"])
            .values(balance=balance + chances)
        )
    return chances, balance + chances


async def balances(session: AsyncSession, member_id: uuid.UUID) -> list[LotteryChances]:
    query = select(LotteryChances).where(LotteryChances.member_id == member_id)
    return list((await session.scalars(query.order_by(col(LotteryChances.campaign_id)))).all())


async def add_purchase(session: AsyncSession, row: LotteryPurchase) -> bool:
    """Records a purchase that reached a campaign unless it was recorded before."""
    inserted = await session.execute(
        insert(LotteryPurchase)
        .values(**row.model_dump())
        .on_conflict_do_nothing()
        .returning(col(LotteryPurchase.purchase_id))
    )
    return inserted.first() is not None


async def purchases_of(session: AsyncSession, purchase_id: uuid.UUID) -> list[LotteryPurchase]:
    """The campaigns' records of the purchase, locked: a return re-reads what was returned."""
    query = (
        select(LotteryPurchase)
        .where(LotteryPurchase.purchase_id == purchase_id)
        .order_by(col(LotteryPurchase.campaign_id))
        .with_for_update()
    )
    return list((await session.scalars(query)).all())


async def add_draw(session: AsyncSession, draw: LotteryDraw) -> None:
    session.add(draw)
    await session.flush()


async def draws(
    session: AsyncSession,
    *,
    member_id: uuid.UUID | None = None,
    campaign_day: tuple[uuid.UUID, date] | None = None,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[tuple[LotteryDraw, GiftFulfilment | None]]:
    """``limit`` draws of a member, or of a campaign's day, the latest first (ties by id,
    highest first), those before ``before``'s ``(drawn_at, draw_id)`` when given, with
    their gift's fulfilment."""
    query = select(LotteryDraw, GiftFulfilment).outerjoin(
        GiftFulfilment, col(GiftFulfilment.draw_id) == col(LotteryDraw.draw_id)
    )
    if member_id is not None:
        query = query.where(LotteryDraw.member_id == member_id)
    if campaign_day is not None:
        query = query.where(
            LotteryDraw.campaign_id == campaign_day[0], LotteryDraw.quota_day == campaign_day[1]
        )
    drawn_at, draw_id = col(LotteryDraw.drawn_at), col(LotteryDraw.draw_id)
    if before is not None:
        query = query.where(tuple_(drawn_at, draw_id) < before)
    query = query.order_by(drawn_at.desc(), draw_id.desc()).limit(limit)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def fulfil(
    session: AsyncSession, draw_id: uuid.UUID, at: datetime, by: str
) -> tuple[GiftFulfilment | None, bool]:
    """Marks the draw's gift handed over unless it was; the fulfilment and whether this
    call marked it."""
    marked = await session.scalar(
        update(GiftFulfilment)
        .where(col(GiftFulfilment.draw_id) == draw_id, col(GiftFulfilment.fulfilled_at).is_(None))
        .values(fulfilled_at=at, fulfilled_by=by)
        .returning(GiftFulfilment)
    )
    if marked is not None:
        return marked, True
    return await session.get(GiftFulfilment, draw_id), False
