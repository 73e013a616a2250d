"""Writes of the read models: one prepared upsert per kind of fact."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import BigInteger, Boolean, Integer, Uuid, bindparam, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.expression import Executable

from services.analytics.facts.domain import Tier
from services.analytics.facts.models import MemberStats, NotificationDay, Purchase, PurchaseReturn
from shared.db import AsyncSession

_members = MemberStats.__table__  # type: ignore[attr-defined]
_purchases = Purchase.__table__  # type: ignore[attr-defined]
_returns = PurchaseReturn.__table__  # type: ignore[attr-defined]
_notification_days = NotificationDay.__table__  # type: ignore[attr-defined]

# Every write below is a Core statement built once, with its values as bind parameters: an
# ORM-entity insert went through the ORM's bulk-insert machinery and was cache-keyed value by
# value on every event.


def _params(table: sa.Table, *names: str) -> dict[str, sa.BindParameter[Any]]:
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


def _record_registration() -> Executable:
    stmt = pg_insert(_members).values(_params(_members, "member_id", "registered_at", "store_id"))
    return stmt.on_conflict_do_update(
        index_elements=[_members.c.member_id],
        set_={"registered_at": stmt.excluded.registered_at, "store_id": stmt.excluded.store_id},
    )


def _record_purchase() -> Executable:
    """The fact row and the member's counters in one round trip.

    The member's counters only move when the fact row is new, so a purchase id seen before
    (under any envelope) writes nothing and returns no row; a new one returns the member's
    counters after it. LEAST and GREATEST ignore NULLs, so the first purchase sets both
    moments.
    """
    fact = (
        pg_insert(_purchases)
        .values(
            _params(_purchases, "purchase_id", "member_id", "store_id", "total_fen", "purchased_at")
        )
        .on_conflict_do_nothing(index_elements=[_purchases.c.purchase_id])
        .returning(_purchases.c.member_id, _purchases.c.total_fen, _purchases.c.purchased_at)
        .cte("fact")
    )
    counted = sa.select(
        fact.c.member_id,
        literal(1, Integer),
        fact.c.total_fen,
        fact.c.purchased_at,
        fact.c.purchased_at,
    )
    stmt = pg_insert(_members).from_select(
        ["member_id", "purchase_count", "spend_fen", "first_purchase_at", "last_purchase_at"],
        counted,
    )
    return (
        stmt.on_conflict_do_update(
            index_elements=[_members.c.member_id],
            set_={
                "purchase_count": _members.c.purchase_count + 1,
                "spend_fen": _members.c.spend_fen + stmt.excluded.spend_fen,
                "first_purchase_at": func.least(
                    _members.c.first_purchase_at, stmt.excluded.first_purchase_at
                ),
                "last_purchase_at": func.greatest(
                    _members.c.last_purchase_at, stmt.excluded.last_purchase_at
                ),
            },
        )
        .returning(_members.c.spend_fen, _members.c.purchase_count)
        .add_cte(fact)
    )


def _claim_return() -> Executable:
    """Lock the purchase and record the return id in one round trip.

    The return is only recorded if the purchase exists; the row comes back with whether the
    return id is new.
    """
    purchase = (
        sa.select(
            _purchases.c.purchase_id,
            _purchases.c.member_id,
            _purchases.c.total_fen,
            _purchases.c.returned_fen,
        )
        .where(_purchases.c.purchase_id == bindparam("purchase_id", type_=Uuid))
        .with_for_update()
        .cte("purchase")
    )
    recorded = (
        pg_insert(_returns)
        .from_select(
            ["return_id", "purchase_id", "amount_fen", "returned_at"],
            sa.select(
                bindparam("return_id", type_=_returns.c.return_id.type),
                purchase.c.purchase_id,
                bindparam("amount_fen", type_=_returns.c.amount_fen.type),
                bindparam("returned_at", type_=_returns.c.returned_at.type),
            ),
        )
        .on_conflict_do_nothing(index_elements=[_returns.c.return_id])
        .returning(_returns.c.return_id)
        .cte("recorded")
    )
    return sa.select(
        purchase.c.member_id,
        purchase.c.total_fen,
        purchase.c.returned_fen,
        sa.exists(sa.select(recorded.c.return_id)).label("fresh"),
    )


def _apply_return() -> Executable:
    # an UPDATE reserves its tables' column names for its own SET parameters
    purchase = (
        update(_purchases)
        .where(_purchases.c.purchase_id == bindparam("purchase", type_=Uuid))
        .values(
            returned_fen=bindparam("purchase_returned_fen", type_=BigInteger),
            fully_returned=bindparam("purchase_fully_returned", type_=Boolean),
        )
        .cte("purchase")
    )
    return (
        update(_members)
        .where(_members.c.member_id == bindparam("member", type_=Uuid))
        .values(
            returned_fen=_members.c.returned_fen + bindparam("refunded", type_=BigInteger),
            purchase_count=_members.c.purchase_count + bindparam("count_delta", type_=Integer),
        )
        .add_cte(purchase)
    )


def _apply_void() -> Executable:
    """The purchase marked voided and the member's counters without it, in one round trip.

    The member's first and last purchase times come again from their other sales not voided
    (NULL if none is left); the subqueries see the purchase as it was before this statement,
    so it is left out by id."""
    purchase_id = bindparam("purchase", type_=Uuid)
    member_id = bindparam("member", type_=Uuid)
    purchase = (
        update(_purchases)
        .where(_purchases.c.purchase_id == purchase_id)
        .values(voided_at=bindparam("purchase_voided_at", type_=_purchases.c.voided_at.type))
        .cte("purchase")
    )
    others = (
        _purchases.c.member_id == member_id,
        _purchases.c.voided_at.is_(None),
        _purchases.c.purchase_id != purchase_id,
    )
    return (
        update(_members)
        .where(_members.c.member_id == member_id)
        .values(
            spend_fen=_members.c.spend_fen - bindparam("spend", type_=BigInteger),
            returned_fen=_members.c.returned_fen - bindparam("refunded", type_=BigInteger),
            purchase_count=_members.c.purchase_count + bindparam("count_delta", type_=Integer),
            first_purchase_at=select(func.min(_purchases.c.purchased_at))
            .where(*others)
            .scalar_subquery(),
            last_purchase_at=select(func.max(_purchases.c.purchased_at))
            .where(*others)
            .scalar_subquery(),
        )
        .add_cte(purchase)
    )


def _hold_tier() -> Executable:
    """The member's row, created if missing and locked until commit; returns its tier.

    The no-op update is what takes the lock (and makes RETURNING answer for an existing row).
    """
    stmt = pg_insert(_members).values(_params(_members, "member_id"))
    return stmt.on_conflict_do_update(
        index_elements=[_members.c.member_id], set_={"tier_code": _members.c.tier_code}
    ).returning(_members.c.tier_code, _members.c.tier_changed_at)


def _set_tier() -> Executable:
    return (
        update(_members)
        .where(_members.c.member_id == bindparam("member", type_=Uuid))
        .values(
            tier_code=bindparam("code", type_=_members.c.tier_code.type),
            tier_changed_at=bindparam("changed_at", type_=_members.c.tier_changed_at.type),
        )
    )


def _count_notification() -> Executable:
    stmt = pg_insert(_notification_days).values(
        _params(_notification_days, "day", "channel", "status") | {"count": literal(1, Integer)}
    )
    return stmt.on_conflict_do_update(
        index_elements=[
            _notification_days.c.day,
            _notification_days.c.channel,
            _notification_days.c.status,
        ],
        set_={"count": _notification_days.c.count + 1},
    )


_RECORD_REGISTRATION = _record_registration()
_RECORD_PURCHASE = _record_purchase()
_CLAIM_RETURN = _claim_return()
_APPLY_RETURN = _apply_return()
_APPLY_VOID = _apply_void()
_HOLD_TIER = _hold_tier()
_SET_TIER = _set_tier()
_COUNT_NOTIFICATION = _count_notification()


async def record_registration(
    session: AsyncSession, member_id: uuid.UUID, registered_at: datetime, store_id: uuid.UUID | None
) -> None:
    await session.execute(
        _RECORD_REGISTRATION,
        {"member_id": member_id, "registered_at": registered_at, "store_id": store_id},
    )


@dataclass(frozen=True)
class MemberTotals:
    """A member's running totals after a purchase was counted."""

    spend_fen: int
    purchase_count: int


async def record_purchase(
    session: AsyncSession,
    *,
    purchase_id: uuid.UUID,
    member_id: uuid.UUID,
    store_id: uuid.UUID,
    total_fen: int,
    purchased_at: datetime,
) -> MemberTotals | None:
    """Adds the fact row and counts it for the member, unless this purchase was recorded.

    Returns the member's totals after counting it; ``None`` when it was recorded before.
    """
    row = (
        await session.execute(
            _RECORD_PURCHASE,
            {
                "purchase_id": purchase_id,
                "member_id": member_id,
                "store_id": store_id,
                "total_fen": total_fen,
                "purchased_at": purchased_at,
            },
        )
    ).first()
    return None if row is None else MemberTotals(row.spend_fen, row.purchase_count)


@dataclass(frozen=True)
class ReturnedPurchase:
    """The purchase a return names, locked until commit, before this return is applied."""

    member_id: uuid.UUID
    total_fen: int
    returned_fen: int
    fresh: bool  # False when this return id was applied before


async def claim_return(
    session: AsyncSession,
    *,
    return_id: uuid.UUID,
    purchase_id: uuid.UUID,
    amount_fen: int,
    returned_at: datetime,
) -> ReturnedPurchase | None:
    """Locks the purchase and records the return id; ``None`` if the purchase is unknown."""
    row = (
        await session.execute(
            _CLAIM_RETURN,
            {
                "return_id": return_id,
                "purchase_id": purchase_id,
                "amount_fen": amount_fen,
                "returned_at": returned_at,
            },
        )
    ).first()
    if row is None:
        return None
    return ReturnedPurchase(row.member_id, row.total_fen, row.returned_fen, row.fresh)


async def apply_return(
    session: AsyncSession,
    *,
    purchase_id: uuid.UUID,
    member_id: uuid.UUID,
    returned_fen: int,
    fully_returned: bool,
    refunded_fen: int,
    purchase_count_delta: int,
) -> None:
    """The purchase's refunded total and the member's counters, in one round trip."""
    await session.execute(
        _APPLY_RETURN,
        {
            "purchase": purchase_id,
            "member": member_id,
            "purchase_returned_fen": returned_fen,
            "purchase_fully_returned": fully_returned,
            "refunded": refunded_fen,
            "count_delta": purchase_count_delta,
        },
    )


@dataclass(frozen=True)
class VoidedPurchase:
    """A purchase a void names, locked until commit."""

    member_id: uuid.UUID
    total_fen: int
    returned_fen: int
    fully_returned: bool
    voided_at: datetime | None


async def lock_purchase(session: AsyncSession, purchase_id: uuid.UUID) -> VoidedPurchase | None:
    """The purchase, locked until commit; ``None`` if analytics has not recorded it."""
    query = (
        sa.select(
            _purchases.c.member_id,
            _purchases.c.total_fen,
            _purchases.c.returned_fen,
            _purchases.c.fully_returned,
            _purchases.c.voided_at,
        )
        .where(_purchases.c.purchase_id == purchase_id)
        .with_for_update()
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return VoidedPurchase(
        row.member_id, row.total_fen, row.returned_fen, row.fully_returned, row.voided_at
    )


async def apply_void(
    session: AsyncSession,
    *,
    purchase_id: uuid.UUID,
    member_id: uuid.UUID,
    voided_at: datetime,
    spend_fen: int,
    returned_fen: int,
    purchase_count_delta: int,
) -> None:
    await session.execute(
        _APPLY_VOID,
        {
            "purchase": purchase_id,
            "member": member_id,
            "purchase_voided_at": voided_at,
            "spend": spend_fen,
            "refunded": returned_fen,
            "count_delta": purchase_count_delta,
        },
    )


async def hold_tier(session: AsyncSession, member_id: uuid.UUID) -> Tier:
    """The member's tier, their row locked until commit (and created if missing)."""
    row = (await session.execute(_HOLD_TIER, {"member_id": member_id})).one()
    return Tier(row.tier_code, row.tier_changed_at)


async def set_tier(session: AsyncSession, member_id: uuid.UUID, tier: Tier) -> None:
    await session.execute(
        _SET_TIER, {"member": member_id, "code": tier.code, "changed_at": tier.changed_at}
    )


async def count_notification(session: AsyncSession, day: date, channel: str, status: str) -> None:
    await session.execute(_COUNT_NOTIFICATION, {"day": day, "channel": channel, "status": status})
