"""The rewards catalog's invariants, checked against the database: its part of
:func:`services.loyalty.points.invariants.check_ledger_invariants`.

- ``reward_stock``: every item's stock is the sum of its stock movements and the stock
  its newest movement left, and never below zero; every order took its units in exactly
  one ``order`` movement of its item, a cancelled one put them back in exactly one
  ``cancellation``, any other none, and no movement names an order that does not exist:
  no unit sold twice, none lost, none unrecorded;
- ``reward_orders``: every order spent its points in exactly one ledger entry of its
  account (source ``reward_order``, the entry it names, ``-points``); a cancelled order
  got them back in exactly one (source ``reward_refund``, ``+points``), any other none,
  on the account the order's points were on then (its own, or the household account it
  was pooled into at that position of the ledger:
  :func:`~services.loyalty.accounts.pools.invariants.account_at`); and every entry of
  those sources names an order.

It reads the tables directly: it is an audit, not a use case.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.accounts.models import LedgerEntry
from services.loyalty.accounts.pools.invariants import account_at
from services.loyalty.rewards.models import RewardItem, RewardOrder, RewardStockChange
from shared.db import AsyncSession

_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_items = RewardItem.__table__  # type: ignore[attr-defined]
_orders = RewardOrder.__table__  # type: ignore[attr-defined]
_changes = RewardStockChange.__table__  # type: ignore[attr-defined]


async def reward_violations(session: AsyncSession, scope: Scope) -> list[Violation]:
    """Every violation of the rewards invariants (see the module), for the accounts in
    ``scope``: their orders and entries, and the stock of every item they ordered (all
    items when the scope is not restricted)."""
    return [
        *await _stock(session, scope),
        *await _orders_moved_stock(session, scope),
        *await _orders_spent(session, scope),
    ]


async def _stock(session: AsyncSession, scope: Scope) -> list[Violation]:
    moved = (
        select(_changes.c.item_id, func.sum(_changes.c.change).label("units"))
        .group_by(_changes.c.item_id)
        .subquery()
    )
    latest = (
        select(_changes.c.stock_after)
        .where(_changes.c.item_id == _items.c.id)
        .order_by(_changes.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    expected = func.coalesce(moved.c.units, 0)
    left = func.coalesce(latest, 0)
    query = (
        select(
            _items.c.id,
            _items.c.code,
            _items.c.stock,
            expected.label("expected"),
            left.label("left"),
        )
        .outerjoin(moved, moved.c.item_id == _items.c.id)
        .where(or_(_items.c.stock != expected, _items.c.stock != left, _items.c.stock < 0))
    )
    if scope.restricted:
        ordered_by = select(_orders.c.item_id).where(scope(_orders.c.account_id))
        query = query.where(_items.c.id.in_(ordered_by))
    return [
        Violation(
            Invariant.REWARD_STOCK,
            row.id,
            f"reward {row.code!r} has {row.stock} in stock; its stock movements add up to "
            f"{row.expected}, the newest left {row.left}",
        )
        for row in await session.execute(query)
    ]


async def _orders_moved_stock(session: AsyncSession, scope: Scope) -> list[Violation]:
    took = _changes.alias("took")
    back = _changes.alias("back")
    wrong = (
        select(
            _orders.c.order_id, _orders.c.status, _orders.c.quantity, took.c.change, back.c.change
        )
        .outerjoin(
            took,
            and_(
                took.c.order_id == _orders.c.order_id,
                took.c.kind == "order",
                took.c.item_id == _orders.c.item_id,
            ),
        )
        .outerjoin(
            back,
            and_(
                back.c.order_id == _orders.c.order_id,
                back.c.kind == "cancellation",
                back.c.item_id == _orders.c.item_id,
            ),
        )
        .where(
            scope(_orders.c.account_id),
            or_(
                took.c.change.is_distinct_from(-_orders.c.quantity),
                back.c.change.is_distinct_from(
                    case((_orders.c.status == "cancelled", _orders.c.quantity))
                ),
            ),
        )
    )
    violations = [
        Violation(
            Invariant.REWARD_STOCK,
            order_id,
            f"{status} reward order {order_id} of {quantity} units moved the stock by "
            f"{took_units} when placed and {back_units} when cancelled",
        )
        for order_id, status, quantity, took_units, back_units in await session.execute(wrong)
    ]
    strays = (
        select(_changes.c.item_id, _changes.c.kind, _changes.c.order_id)
        .outerjoin(_orders, _orders.c.order_id == _changes.c.order_id)
        .where(_changes.c.order_id.is_not(None), _orders.c.order_id.is_(None))
    )
    if not scope.restricted:
        violations += [
            Violation(
                Invariant.REWARD_STOCK,
                order_id,
                f"reward item {item_id}'s {kind} movement names order {order_id}, which the "
                "rewards catalog never placed",
            )
            for item_id, kind, order_id in await session.execute(strays)
        ]
    return violations


async def _orders_spent(session: AsyncSession, scope: Scope) -> list[Violation]:
    violations: list[Violation] = []
    for source_type, entry_column, sign, applies in (
        ("reward_order", _orders.c.entry_id, -1, literal(True)),
        ("reward_refund", _orders.c.refund_entry_id, 1, _orders.c.status == "cancelled"),
    ):
        entries = (
            select(
                _ledger.c.source_id,
                _ledger.c.account_id,
                _ledger.c.id,
                _ledger.c.seq,
                _ledger.c.points,
            )
            .where(_ledger.c.source_type == source_type)
            .subquery()
        )
        wrong = (
            select(
                _orders.c.order_id,
                _orders.c.status,
                _orders.c.points,
                entries.c.id,
                entries.c.points.label("entry_points"),
            )
            .outerjoin(entries, entries.c.source_id == _orders.c.order_id)
            .where(
                scope(_orders.c.account_id),
                or_(
                    and_(applies, entries.c.id.is_(None)),
                    and_(~applies, entries.c.id.is_not(None)),
                    and_(
                        entries.c.id.is_not(None),
                        or_(
                            entries.c.id != entry_column,
                            entries.c.account_id != account_at(_orders.c.account_id, entries.c.seq),
                            entries.c.points != sign * _orders.c.points,
                        ),
                    ),
                ),
            )
        )
        violations += [
            Violation(
                Invariant.REWARD_ORDERS,
                row.order_id,
                f"{row.status} reward order {row.order_id} of {row.points} points has "
                + (
                    f"no {source_type} entry"
                    if row.id is None
                    else f"{source_type} entry {row.id} of {row.entry_points} points"
                ),
            )
            for row in await session.execute(wrong)
        ]
        strays = (
            select(entries.c.account_id, entries.c.source_id)
            .outerjoin(_orders, _orders.c.order_id == entries.c.source_id)
            .where(_orders.c.order_id.is_(None), scope(entries.c.account_id))
        )
        violations += [
            Violation(
                Invariant.REWARD_ORDERS,
                row.source_id,
                f"account {row.account_id}'s {source_type} entry names order {row.source_id}, "
                "which the rewards catalog never placed",
            )
            for row in await session.execute(strays)
        ]
    return violations
