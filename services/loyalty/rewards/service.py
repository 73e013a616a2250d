"""Use cases of the rewards catalog (积分兑换礼品): items and their stock, and reward orders
that spend points and take stock in one transaction. They flush, never commit.

Locks, always in this order, so that no two of them wait on each other: an order's row
(fulfil, cancel), then the account's (the points kernel's), then the item's. Placing an
order holds the account, so one member's orders take turns and the kernel's balance check
sees every earlier one; it holds the item, so orders of one item take turns and each sees
the stock, and the units the member holds, that the one before it left. Points move only
through the kernel (:func:`~services.loyalty.accounts.service.move_points`), stock only
through ``repository.move_stock``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.base import emit
from services.loyalty.rewards import domain, repository
from services.loyalty.rewards.domain import OrderStatus, Window
from services.loyalty.rewards.errors import (
    RewardCodeTaken,
    RewardNotFound,
    RewardOrderNotFound,
    UnknownReward,
)
from services.loyalty.rewards.models import RewardItem, RewardOrder, RewardStockChange
from services.loyalty.rewards.schemas import (
    CancelIn,
    RewardItemCreate,
    RewardItemOut,
    RewardItemPage,
    RewardItemSettings,
    RewardOrderIn,
    RewardOrderOut,
    RewardOrderPage,
    StockChangeIn,
    StockChangeOut,
)
from shared.db import AsyncSession
from shared.events.loyalty import RewardCancelled, RewardFulfilled, RewardOrdered
from shared.pagination import PageKey, encode_cursor


def _now() -> datetime:
    return datetime.now(UTC)


def _offer(item: RewardItem) -> domain.Offer:
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
        available=_offer(item).available_at(at),
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
    now = _now()
    item = RewardItem(
        code=data.code, stock=data.stock, created_at=now, updated_at=now, updated_by=by, **settings
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
        await repository.add(
            session,
            RewardStockChange(
                item_id=item.id,
                change=data.stock,
                stock_after=data.stock,
                reason="stock at creation",
                changed_by=by,
                changed_at=now,
            ),
        )
    return item_out(item, now, to_staff=True)


async def _item(session: AsyncSession, item_id: uuid.UUID, *, lock: bool = False) -> RewardItem:
    item = await repository.item(session, item_id, lock=lock)
    if item is None:
        raise RewardNotFound(f"No reward item {item_id}", field="item_id", where="path")
    return item


async def get_item(session: AsyncSession, item_id: uuid.UUID, *, to_staff: bool) -> RewardItemOut:
    """Raises :class:`RewardNotFound` (404)."""
    return item_out(await _item(session, item_id), _now(), to_staff=to_staff)


async def set_item(
    session: AsyncSession, item_id: uuid.UUID, data: RewardItemSettings, *, by: str
) -> RewardItemOut:
    """Replaces the item's settings (not its code or stock). Orders placed keep the price
    they paid. Raises :class:`RewardNotFound` (404), :class:`InvalidRewardWindow` (422)."""
    settings = _settings(data)
    item = await _item(session, item_id, lock=True)
    now = _now()
    item.sqlmodel_update(settings | {"updated_at": now, "updated_by": by})
    await repository.add(session, item)
    return item_out(item, now, to_staff=True)


async def list_items(
    session: AsyncSession, limit: int, after: PageKey | None, *, to_staff: bool, orderable: bool
) -> RewardItemPage:
    """Items in the order they were added, ``limit`` at a time: to staff all of them (with
    ``orderable``, those active and within their window now), to members only those."""
    orderable_only = orderable or not to_staff
    now = _now()
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
    item = await _item(session, item_id, lock=True)
    domain.stock_after(item.stock, data.change)
    stock = await repository.move_stock(session, item, data.change)
    now = _now()
    item.sqlmodel_update({"updated_at": now, "updated_by": by})
    change = RewardStockChange(
        item_id=item.id,
        change=data.change,
        stock_after=stock,
        reason=data.reason,
        changed_by=by,
        changed_at=now,
    )
    await repository.add(session, item, change)
    return StockChangeOut(
        item_id=item.id,
        change=data.change,
        stock=stock,
        reason=data.reason,
        changed_by=by,
        changed_at=now,
    )


def order_out(
    order: RewardOrder, item_code: str, balance: int | None = None, *, to_staff: bool
) -> RewardOrderOut:
    """The order as answered; staff logins shown only ``to_staff``."""
    shown = {
        by: domain.shown_subject(subject, to_staff=to_staff)
        for by in ("placed_by", "fulfilled_by", "cancelled_by")
        if (subject := getattr(order, by)) is not None
    }
    return RewardOrderOut.model_validate(
        order.model_dump() | shown | {"item_code": item_code, "balance": balance}
    )


def _about(order: RewardOrder, item_code: str) -> dict[str, Any]:
    """What every ``loyalty.reward.*`` event says of its order."""
    return {
        "order_id": order.order_id,
        "member_id": order.member_id,
        "account_id": order.account_id,
        "item_id": order.item_id,
        "item_code": item_code,
        "quantity": order.quantity,
        "points": order.points,
    }


async def place_order(
    session: AsyncSession, member_id: uuid.UUID, data: RewardOrderIn, *, by: str, to_staff: bool
) -> RewardOrderOut:
    """The member orders ``quantity`` units of an item: the points leave the account they
    hold (ledger source ``reward_order``) and the units the item's stock, in the caller's
    transaction; publishes ``loyalty.reward.ordered``.

    Raises :class:`AccountNotFound` (404), :class:`UnknownReward` (422, ``item_id``),
    :class:`~services.loyalty.rewards.errors.RewardUnavailable` (422),
    :class:`~services.loyalty.rewards.errors.RewardLimitReached` (409),
    :class:`~services.loyalty.rewards.errors.RewardOutOfStock` (409) and
    :class:`~services.loyalty.accounts.errors.InsufficientPoints` (422).
    """
    account = await accounts.locked_account_of(session, member_id)
    if account is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    item = await repository.item(session, data.item_id, lock=True)
    if item is None:
        raise UnknownReward(f"No reward item {data.item_id}", field="item_id")
    now = _now()
    ordered = await repository.ordered_quantity(session, item.id, member_id)
    points = domain.order_points(_offer(item), data.quantity, ordered=ordered, at=now)
    order_id = uuid.uuid4()
    moved = await accounts.move_points(
        session,
        account,
        Movement(Source("reward_order", order_id), -points, reason=f"{item.name} ×{data.quantity}"),
    )
    assert moved is not None  # a new order id was never recorded before
    await repository.move_stock(session, item, -data.quantity)
    order = RewardOrder(
        order_id=order_id,
        item_id=item.id,
        member_id=member_id,
        account_id=account.account_id,
        quantity=data.quantity,
        points=points,
        status="placed",
        entry_id=moved.entry_id,
        placed_by=by,
        placed_at=moved.created_at,
    )
    await repository.add(session, order)
    await emit(
        session,
        RewardOrdered(
            **_about(order, item.code),
            entry_id=moved.entry_id,
            balance=moved.balance,
            placed_at=moved.created_at,
        ),
    )
    return order_out(order, item.code, moved.balance, to_staff=to_staff)


async def _locked_order(
    session: AsyncSession, member_id: uuid.UUID, order_id: uuid.UUID
) -> tuple[RewardOrder, RewardItem]:
    order = await repository.order(session, order_id, lock=True)
    if order is None or order.member_id != member_id:
        raise RewardOrderNotFound(
            f"No reward order {order_id} of member {member_id}", field="order_id", where="path"
        )
    return order, await _item(session, order.item_id)


async def fulfil_order(
    session: AsyncSession, member_id: uuid.UUID, order_id: uuid.UUID, *, by: str
) -> RewardOrderOut:
    """Marks a placed order fulfilled (the member got the reward), publishing
    ``loyalty.reward.fulfilled``; a fulfilled one is answered as it is.

    Raises :class:`RewardOrderNotFound` (404), :class:`RewardOrderClosed` (409: cancelled).
    """
    order, item = await _locked_order(session, member_id, order_id)
    if not domain.moves_to(domain.status_of(order.status), "fulfilled"):
        return order_out(order, item.code, to_staff=True)
    order.sqlmodel_update({"status": "fulfilled", "fulfilled_at": _now(), "fulfilled_by": by})
    await repository.add(session, order)
    assert order.fulfilled_at is not None
    await emit(
        session,
        RewardFulfilled(
            **_about(order, item.code),
            fulfilled_at=order.fulfilled_at,
        ),
    )
    return order_out(order, item.code, to_staff=True)


async def cancel_order(
    session: AsyncSession,
    member_id: uuid.UUID,
    order_id: uuid.UUID,
    data: CancelIn,
    *,
    by: str,
    to_staff: bool,
) -> RewardOrderOut:
    """Cancels a placed order: its points come back to the account (ledger source
    ``reward_refund``, on the account the order's points are on now: a household's if the
    member joined one since; in lots on the terms of those the order spent) and its units
    into stock, publishing ``loyalty.reward.cancelled``; a cancelled one is answered as it is.

    Raises :class:`RewardOrderNotFound` (404), :class:`RewardOrderClosed` (409: fulfilled),
    :class:`~services.loyalty.accounts.errors.BalanceLimitReached` (422).
    """
    order, item = await _locked_order(session, member_id, order_id)
    if not domain.moves_to(domain.status_of(order.status), "cancelled"):
        return order_out(order, item.code, to_staff=to_staff)
    account = await accounts.locked_account_now(session, order.account_id)
    item = await _item(session, item.id, lock=True)
    moved = await accounts.move_points(
        session,
        account,
        Movement(
            Source("reward_refund", order.order_id),
            order.points,
            reason=data.reason or f"{item.name} ×{order.quantity}: order cancelled",
            restores=(Source("reward_order", order.order_id),),
        ),
    )
    assert moved is not None  # the order was placed, so never refunded before
    await repository.move_stock(session, item, order.quantity)
    order.sqlmodel_update(
        {
            "status": "cancelled",
            "refund_entry_id": moved.entry_id,
            "cancelled_at": moved.created_at,
            "cancelled_by": by,
            "cancel_reason": data.reason,
        }
    )
    await repository.add(session, order)
    await emit(
        session,
        RewardCancelled(
            **_about(order, item.code),
            entry_id=moved.entry_id,
            balance=moved.balance,
            reason=data.reason,
            cancelled_at=moved.created_at,
        ),
    )
    return order_out(order, item.code, moved.balance, to_staff=to_staff)


async def list_orders(
    session: AsyncSession,
    limit: int,
    before: PageKey | None,
    *,
    to_staff: bool,
    member_id: uuid.UUID | None = None,
    item_id: uuid.UUID | None = None,
    status: OrderStatus | None = None,
) -> RewardOrderPage:
    """Reward orders newest first, ``limit`` at a time: a member's, an item's, those in a
    status (placed: waiting to be fulfilled), or all."""
    rows = await repository.listed_orders(
        session,
        member_id=member_id,
        item_id=item_id,
        status=status,
        limit=limit + 1,
        before=None if before is None else (before.at, before.id),
    )
    page = rows[:limit]
    last = page[-1][0] if page else None
    return RewardOrderPage(
        items=[order_out(order, code, to_staff=to_staff) for order, code in page],
        next_cursor=encode_cursor(last.placed_at, last.order_id)
        if len(rows) > limit and last is not None
        else None,
    )
