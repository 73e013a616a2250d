"""Use cases of reward orders (积分兑换): spending points and taking stock in one
transaction, fulfilling, cancelling with points and stock back. They flush, never commit.
The items and their stock are :mod:`services.loyalty.rewards.catalog`'s.

Locks, always in this order, so that no two of them wait on each other: an order's row
(fulfil, cancel), then the account's (the points kernel's), then the item's. Placing an
order holds the account, so one member's orders take turns and the kernel's balance check
sees every earlier one; it holds the item, so orders of one item take turns and each sees
the stock, and the units the member holds, that the one before it left. Points move only
through the kernel (:func:`~services.loyalty.accounts.service.move_points`), stock only
through ``repository.move_stock``, which records every movement (the item's history).
"""

from __future__ import annotations

import uuid
from typing import Any

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.base import emit
from services.loyalty.rewards import catalog, domain, repository
from services.loyalty.rewards.domain import CANCEL_REASON, ORDER_REASON, OrderStatus
from services.loyalty.rewards.errors import RewardOrderNotFound, UnknownReward
from services.loyalty.rewards.models import RewardItem, RewardOrder
from services.loyalty.rewards.repository import StockMove
from services.loyalty.rewards.schemas import (
    CancelIn,
    RewardOrderIn,
    RewardOrderOut,
    RewardOrderPage,
)
from shared.db import AsyncSession
from shared.events.loyalty import RewardCancelled, RewardFulfilled, RewardOrdered
from shared.pagination import PageKey, encode_cursor


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


def _about(order: RewardOrder, item: RewardItem) -> dict[str, Any]:
    """What every ``loyalty.reward.*`` event says of its order."""
    return {
        "order_id": order.order_id,
        "member_id": order.member_id,
        "account_id": order.account_id,
        "item_id": order.item_id,
        "item_code": item.code,
        "item_name": item.name,
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
    now = catalog.now_utc()
    ordered = await repository.ordered_quantity(session, item.id, member_id)
    points = domain.order_points(catalog.offer(item), data.quantity, ordered=ordered, at=now)
    order_id = uuid.uuid4()
    moved = await accounts.move_points(
        session,
        account,
        Movement(Source("reward_order", order_id), -points, reason=f"{item.name} ×{data.quantity}"),
    )
    assert moved is not None  # a new order id was never recorded before
    taken = StockMove("order", -data.quantity, ORDER_REASON, by, moved.created_at, order_id)
    await repository.move_stock(session, item, taken)
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
            **_about(order, item),
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
    return order, await catalog.item_of(session, order.item_id)


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
    order.sqlmodel_update(
        {"status": "fulfilled", "fulfilled_at": catalog.now_utc(), "fulfilled_by": by}
    )
    await repository.add(session, order)
    assert order.fulfilled_at is not None
    await emit(
        session,
        RewardFulfilled(
            **_about(order, item),
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
    item = await catalog.item_of(session, item.id, lock=True)
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
    back = StockMove(
        "cancellation",
        order.quantity,
        data.reason or CANCEL_REASON,
        by,
        moved.created_at,
        order.order_id,
    )
    await repository.move_stock(session, item, back)
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
            **_about(order, item),
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
