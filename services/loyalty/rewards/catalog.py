"""Use cases of the rewards catalog's items (积分兑换礼品): their settings and their stock,
every movement of which ``repository.move_stock`` records (the item's stock history).
They flush, never commit. Reward orders are :mod:`services.loyalty.rewards.service`'s.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.loyalty.rewards import domain, repository
from services.loyalty.rewards.domain import Window
from services.loyalty.rewards.errors import RewardCodeTaken, RewardNotFound
from services.loyalty.rewards.models import RewardItem
from services.loyalty.rewards.repository import StockMove
from services.loyalty.rewards.schemas import (
    RewardItemCreate,
    RewardItemOut,
    RewardItemPage,
    RewardItemSettings,
    StockChangeIn,
    StockChangeOut,
    StockMovementOut,
    StockMovementPage,
)
from shared.db import AsyncSession
from shared.pagination import PageKey, encode_cursor


def now_utc() -> datetime:
    return datetime.now(UTC)


def offer(item: RewardItem) -> domain.Offer:
    return domain.Offer(
        code=item.code,
        point_price=item.point_price,
        stock=item.stock,
        per_member_limit=item.per_member_limit,
        window=Window(item.valid_from, item.valid_until),
        active=item.active,
    )


def item_out(item: RewardItem, at: datetime, *, to_staff: bool) -> RewardItemOut:
    """The item as answered; ``available`` as of ``at``; who last changed it only
    ``to_staff``."""
    return RewardItemOut(
        id=item.id,
        code=item.code,
        name=item.name,
        description=item.description,
        point_price=item.point_price,
        per_member_limit=item.per_member_limit,
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        active=item.active,
        stock=item.stock,
        available=offer(item).available_at(at),
        created_at=item.created_at,
        updated_at=item.updated_at,
        updated_by=item.updated_by if to_staff else None,
    )


def _settings(data: RewardItemSettings) -> dict[str, Any]:
    """The settings as columns, the window checked (:class:`InvalidRewardWindow`, 422)."""
    Window(data.valid_from, data.valid_until).check()
    return data.model_dump(include=set(RewardItemSettings.model_fields))


async def create_item(session: AsyncSession, data: RewardItemCreate, *, by: str) -> RewardItemOut:
    """A new item, its starting stock recorded as its first stock change by ``by``.

    Raises :class:`RewardCodeTaken` (409, ``code``), :class:`InvalidRewardWindow` (422).
    """
    settings = _settings(data)
    now = now_utc()
    item = RewardItem(
        code=data.code, stock=0, created_at=now, updated_at=now, updated_by=by, **settings
    )
    if not await repository.add_item(session, item):
        taken = await repository.item_by_code(session, data.code)
        assert taken is not None  # the unique index refused the code: an item holds it
        raise RewardCodeTaken(
            f"reward code {data.code!r} is taken by item {taken.id}; change it with "
            f"PUT /rewards/items/{taken.id}",
            field="code",
        )
    if data.stock:
        initial = StockMove("initial", data.stock, "stock at creation", by, now)
        await repository.move_stock(session, item, initial)
    return item_out(item, now, to_staff=True)


async def item_of(session: AsyncSession, item_id: uuid.UUID, *, lock: bool = False) -> RewardItem:
    """The item; raises :class:`RewardNotFound` (404, the path's ``item_id``)."""
    item = await repository.item(session, item_id, lock=lock)
    if item is None:
        raise RewardNotFound(f"No reward item {item_id}", field="item_id", where="path")
    return item


async def get_item(session: AsyncSession, item_id: uuid.UUID, *, to_staff: bool) -> RewardItemOut:
    """Raises :class:`RewardNotFound` (404)."""
    return item_out(await item_of(session, item_id), now_utc(), to_staff=to_staff)


async def set_item(
    session: AsyncSession, item_id: uuid.UUID, data: RewardItemSettings, *, by: str
) -> RewardItemOut:
    """Replaces the item's settings (not its code or stock). Orders placed keep the price
    they paid. Raises :class:`RewardNotFound` (404), :class:`InvalidRewardWindow` (422)."""
    settings = _settings(data)
    item = await item_of(session, item_id, lock=True)
    now = now_utc()
    item.sqlmodel_update(settings | {"updated_at": now, "updated_by": by})
    await repository.add(session, item)
    return item_out(item, now, to_staff=True)


async def list_items(
    session: AsyncSession, limit: int, after: PageKey | None, *, to_staff: bool, orderable: bool
) -> RewardItemPage:
    """Items in the order they were added, ``limit`` at a time: to staff all of them (with
    ``orderable``, those active and within their window now), to members only those."""
    orderable_only = orderable or not to_staff
    now = now_utc()
    items = await repository.listed_items(
        session,
        limit=limit + 1,
        after=None if after is None else (after.at, after.id),
        orderable_at=now if orderable_only else None,
    )
    page = items[:limit]
    more = len(items) > limit
    return RewardItemPage(
        items=[item_out(item, now, to_staff=to_staff) for item in page],
        next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if more else None,
    )


async def change_stock(
    session: AsyncSession, item_id: uuid.UUID, data: StockChangeIn, *, by: str
) -> StockChangeOut:
    """Puts units into the item's stock or takes them out, recorded with ``reason`` and
    ``by``. Raises :class:`RewardNotFound` (404), :class:`InvalidStockChange` (422:
    zero, more than in stock, past ``MAX_STOCK``)."""
    item = await item_of(session, item_id, lock=True)
    domain.stock_after(item.stock, data.change)
    now = now_utc()
    adjusted = StockMove("adjustment", data.change, data.reason, by, now)
    stock = await repository.move_stock(session, item, adjusted)
    item.sqlmodel_update({"updated_at": now, "updated_by": by})
    await repository.add(session, item)
    return StockChangeOut(
        item_id=item.id,
        change=data.change,
        stock=stock,
        reason=data.reason,
        changed_by=by,
        changed_at=now,
    )


async def stock_history(
    session: AsyncSession, item_id: uuid.UUID, limit: int, before: int | None
) -> StockMovementPage:
    """The item's stock movements newest first, ``limit`` at a time, older than position
    ``before``. Raises :class:`RewardNotFound` (404)."""
    await item_of(session, item_id)
    rows = await repository.stock_moves(session, item_id, limit=limit + 1, before_seq=before)
    page = rows[:limit]
    return StockMovementPage(
        items=[StockMovementOut.model_validate(row, from_attributes=True) for row in page],
        next_cursor=str(page[-1].seq) if len(rows) > limit and page else None,
    )
