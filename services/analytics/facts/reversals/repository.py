"""Writes of the read models for returns and voids: a return claimed once and taken off
the purchase and its member, a void marking the purchase and dropping it from its member's
counters. Prepared statements, as in :mod:`services.analytics.facts.repository`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, Uuid, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.expression import Executable

from services.analytics.facts.models import MemberStats, Purchase, PurchaseReturn
from shared.db import AsyncSession

_members = MemberStats.__table__  # type: ignore[attr-defined]
_purchases = Purchase.__table__  # type: ignore[attr-defined]
_returns = PurchaseReturn.__table__  # type: ignore[attr-defined]


def _claim_return() -> Executable:
    """Lock the purchase and record the return id in one round trip.

    The return is only recorded if the purchase exists; the row comes back with whether the
    return id is new.
    """
    purchase = (
        select(
            _purchases.c.purchase_id,
            _purchases.c.member_id,
            _purchases.c.total_fen,
            _purchases.c.returned_fen,
            _purchases.c.voided_at,
        )
        .where(_purchases.c.purchase_id == bindparam("purchase_id", type_=Uuid))
        .with_for_update()
        .cte("purchase")
    )
    recorded = (
        pg_insert(_returns)
        .from_select(
            ["return_id", "purchase_id", "amount_fen", "returned_at"],
            select(
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
    return select(
        purchase.c.member_id,
        purchase.c.total_fen,
        purchase.c.returned_fen,
        purchase.c.voided_at,
        exists(select(recorded.c.return_id)).label("fresh"),
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


_CLAIM_RETURN = _claim_return()
_APPLY_RETURN = _apply_return()
_APPLY_VOID = _apply_void()


@dataclass(frozen=True)
class ReturnedPurchase:
    """The purchase a return names, locked until commit, before this return is applied."""

    member_id: uuid.UUID
    total_fen: int
    returned_fen: int
    voided_at: datetime | None
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
    return ReturnedPurchase(
        row.member_id, row.total_fen, row.returned_fen, row.voided_at, row.fresh
    )


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
        select(
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
