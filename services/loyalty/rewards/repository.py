"""Queries of the rewards catalog. An item's stock changes only through :func:`move_stock`,
which records each movement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from services.loyalty.rewards.domain import OrderStatus, StockKind
from services.loyalty.rewards.models import RewardItem, RewardOrder, RewardStockChange
from shared.db import AsyncSession

_items = RewardItem.__table__  # type: ignore[attr-defined]


async def item(
    session: AsyncSession, item_id: uuid.UUID, *, lock: bool = False
) -> RewardItem | None:
    """The item; with ``lock``, its row held until the transaction ends (orders, stock
    changes and edits of one item take turns)."""
    query = (
        select(RewardItem).where(RewardItem.id == item_id).execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def item_by_code(session: AsyncSession, code: str) -> RewardItem | None:
    return (await session.scalars(select(RewardItem).where(RewardItem.code == code))).first()


async def add_item(session: AsyncSession, item: RewardItem) -> bool:
    """Adds a new item; False, having written nothing, if its code is taken (by a
    concurrent addition too: the unique index decides)."""
    try:
        async with session.begin_nested():
            session.add(item)
    except IntegrityError:
        return False
    return True


async def add(session: AsyncSession, *rows: Any) -> None:
    """New rows (items, stock changes, orders), and the changes made to loaded ones."""
    session.add_all(rows)
    await session.flush()


async def listed_items(
    session: AsyncSession,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    orderable_at: datetime | None,
) -> list[RewardItem]:
    """Items in the order they were added, ``limit`` after ``after``; with
    ``orderable_at``, only those active and within their window then."""
    query = select(RewardItem).order_by(col(RewardItem.created_at), col(RewardItem.id)).limit(limit)
    if after is not None:
        query = query.where(tuple_(col(RewardItem.created_at), col(RewardItem.id)) > after)
    if orderable_at is not None:
        query = query.where(
            col(RewardItem.active),
            or_(col(RewardItem.valid_from).is_(None), col(RewardItem.valid_from) <= orderable_at),
            or_(col(RewardItem.valid_until).is_(None), col(RewardItem.valid_until) > orderable_at),
        )
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class StockMove:
    """What moves an item's stock, and who and what moved it."""

    kind: StockKind
    change: int
    """Units, signed: put in (positive) or taken out."""
    reason: str
    by: str
    at: datetime
    order_id: uuid.UUID | None = None


async def move_stock(session: AsyncSession, item: RewardItem, move: StockMove) -> int:
    """Adds ``move.change`` to the item's stock, records the movement with the stock after,
    and returns that stock: the one writer of ``stock``. The caller holds the item's row;
    ``ck_reward_items_stock`` refuses a stock below zero all the same. ``item`` shows the
    new stock, as written already."""
    stock = await session.scalar(
        update(_items)
        .where(_items.c.id == item.id)
        .values(stock=_items.c.stock + move.change)
        .returning(_items.c.stock)
    )
    assert stock is not None  # the caller locked the row: it exists
    set_committed_value(item, "stock", stock)
    session.add(
        RewardStockChange(
            item_id=item.id,
            kind=move.kind,
            change=move.change,
            stock_after=stock,
            order_id=move.order_id,
            reason=move.reason,
            changed_by=move.by,
            changed_at=move.at,
        )
    )
    await session.flush()
    return int(stock)


async def stock_moves(
    session: AsyncSession, item_id: uuid.UUID, *, limit: int, before_seq: int | None
) -> list[RewardStockChange]:
    """The item's stock movements, newest first, ``limit`` older than ``before_seq``."""
    query = (
        select(RewardStockChange)
        .where(RewardStockChange.item_id == item_id)
        .order_by(col(RewardStockChange.seq).desc())
        .limit(limit)
    )
    if before_seq is not None:
        query = query.where(col(RewardStockChange.seq) < before_seq)
    return list((await session.scalars(query)).all())


async def ordered_quantity(session: AsyncSession, item_id: uuid.UUID, member_id: uuid.UUID) -> int:
    """Units of the item the member holds in orders not cancelled."""
    total = await session.scalar(
        select(func.coalesce(func.sum(RewardOrder.quantity), 0)).where(
            RewardOrder.item_id == item_id,
            RewardOrder.member_id == member_id,
            RewardOrder.status != "cancelled",
        )
    )
    return int(total or 0)


async def order(
    session: AsyncSession, order_id: uuid.UUID, *, lock: bool = False
) -> RewardOrder | None:
    query = (
        select(RewardOrder)
        .where(RewardOrder.order_id == order_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def listed_orders(
    session: AsyncSession,
    *,
    member_id: uuid.UUID | None = None,
    item_id: uuid.UUID | None = None,
    status: OrderStatus | None = None,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[tuple[RewardOrder, str]]:
    """Orders newest first (of a member, of an item, in a status), each with its item's code."""
    query = (
        select(RewardOrder, RewardItem.code)
        .join(RewardItem, col(RewardItem.id) == col(RewardOrder.item_id))
        .order_by(col(RewardOrder.placed_at).desc(), col(RewardOrder.order_id).desc())
        .limit(limit)
    )
    if member_id is not None:
        query = query.where(RewardOrder.member_id == member_id)
    if item_id is not None:
        query = query.where(RewardOrder.item_id == item_id)
    if status is not None:
        query = query.where(RewardOrder.status == status)
    if before is not None:
        query = query.where(tuple_(col(RewardOrder.placed_at), col(RewardOrder.order_id)) < before)
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]
