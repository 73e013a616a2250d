"""Statements of coupons: definitions added and read, their issue counter reserved, and
the coupons granted of them."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ScalarSelect,
    Select,
    String,
    Uuid,
    bindparam,
    func,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlmodel import col

from services.loyalty.coupons.models import Coupon, CouponDefinition
from shared.db import AsyncSession, Prepared

_coupons = Coupon.__table__  # type: ignore[attr-defined]


async def add_definition(session: AsyncSession, definition: CouponDefinition) -> None:
    session.add(definition)
    await session.flush()


async def definition(session: AsyncSession, definition_id: uuid.UUID) -> CouponDefinition | None:
    return await session.get(CouponDefinition, definition_id)


async def lock_definition(session: AsyncSession, definition_id: uuid.UUID) -> None:
    """Holds the definition's row lock to the end of the transaction: grants of one
    definition queue up here, each seeing the coupons the ones before it committed."""
    query = (
        select(col(CouponDefinition.id))
        .where(col(CouponDefinition.id) == definition_id)
        .with_for_update()
    )
    await session.execute(query)


async def reserve(session: AsyncSession, definition_id: uuid.UUID, count: int = 1) -> bool:
    """Counts ``count`` more coupons issued of the definition if its quantity and budget
    allow them; False (nothing changed) when they do not. The update holds the definition's
    row lock to the end of the transaction, so grants of one definition are serialised
    (a per-member count read after it is current); the table's CHECKs refuse an over-issue
    even if this condition were wrong."""
    table = CouponDefinition
    query = (
        update(table)
        .where(col(table.id) == definition_id)
        .where(col(table.quantity).is_(None) | (col(table.issued) + count <= col(table.quantity)))
        .where(
            col(table.budget_fen).is_(None)
            | ((col(table.issued) + count) * col(table.face_value_fen) <= col(table.budget_fen))
        )
        .values(issued=col(table.issued) + count)
        .returning(col(table.id))
    )
    return (await session.execute(query)).first() is not None


async def newest(
    session: AsyncSession, limit: int, before: tuple[datetime, uuid.UUID] | None
) -> list[CouponDefinition]:
    """``limit`` definitions newest first (ties by id, highest first), those before
    ``before``'s ``(created_at, id)`` when given."""
    created_at, definition_id = col(CouponDefinition.created_at), col(CouponDefinition.id)
    query = select(CouponDefinition)
    if before is not None:
        query = query.where(tuple_(created_at, definition_id) < before)
    query = query.order_by(created_at.desc(), definition_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def granted(
    session: AsyncSession, definition_id: uuid.UUID, member_id: uuid.UUID, grant_key: str
) -> Coupon | None:
    query = select(Coupon).where(
        col(Coupon.definition_id) == definition_id,
        col(Coupon.member_id) == member_id,
        col(Coupon.grant_key) == grant_key,
    )
    return (await session.scalars(query)).first()


async def holders(
    session: AsyncSession,
    definition_id: uuid.UUID,
    grant_key: str,
    member_ids: Sequence[uuid.UUID],
) -> set[uuid.UUID]:
    query = select(col(Coupon.member_id)).where(
        col(Coupon.definition_id) == definition_id,
        col(Coupon.grant_key) == grant_key,
        col(Coupon.member_id).in_(member_ids),
    )
    return set((await session.scalars(query)).all())


async def held(session: AsyncSession, definition_id: uuid.UUID, member_id: uuid.UUID) -> int:
    """Coupons of the definition the member was granted, whatever their state."""
    query = select(func.count()).where(
        col(Coupon.definition_id) == definition_id, col(Coupon.member_id) == member_id
    )
    return int((await session.execute(query)).scalar_one())


async def add_coupon(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Inserts a coupon; False when its code is taken (the caller draws another)."""
    query = (
        insert(_coupons)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(_coupons.c.id)
    )
    return (await session.execute(query)).first() is not None


async def coupons_of_account(
    session: AsyncSession,
    account_id: uuid.UUID,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[tuple[Coupon, CouponDefinition]]:
    """``limit`` of the account's coupons with their definitions, the latest granted first
    (ties by id, highest first), those before ``before``'s ``(granted_at, id)`` if given."""
    granted_at, coupon_id = col(Coupon.granted_at), col(Coupon.id)
    query = (
        select(Coupon, CouponDefinition)
        .join(CouponDefinition, col(CouponDefinition.id) == col(Coupon.definition_id))
        .where(col(Coupon.account_id) == account_id)
    )
    if before is not None:
        query = query.where(tuple_(granted_at, coupon_id) < before)
    query = query.order_by(granted_at.desc(), coupon_id.desc()).limit(limit)
    return [(row[0], row[1]) for row in await session.execute(query)]


class PricedRow(NamedTuple):
    """An active coupon with what pricing reads of its definition."""

    coupon_id: uuid.UUID
    code: str
    valid_from: datetime
    valid_until: datetime
    definition_id: uuid.UUID
    name: str
    kind: str
    terms: dict[str, Any]
    scope: dict[str, Any]
    stackable: bool


@dataclass(frozen=True)
class Priceable:
    account_id: uuid.UUID | None
    """None: the member holds no account."""
    ancestors: dict[str, list[str]]
    coupons: list[PricedRow]


MEMBER = bindparam("member_id", type_=Uuid)
"""The member a :func:`priceable_query` is executed for."""
CATEGORIES = bindparam("categories", type_=ARRAY(String))
"""The basket's categories a :func:`priceable_query` reads the ancestors of."""


def priceable_query(
    account_id: ScalarSelect[uuid.UUID],
    ancestors: ScalarSelect[dict[str, list[str]]],
    limit: int,
) -> Select[Any]:
    """The statement :func:`priceable` executes, built once: the account of the
    ``account_id`` subquery, the ``ancestors`` subquery's value and the account's latest
    ``limit`` active coupons (the latest granted first) with their definitions; one row
    per coupon, or one row of the first two alone. Both subqueries read :data:`MEMBER` and
    :data:`CATEGORIES`."""
    member = select(account_id.label("account_id"), ancestors.label("ancestors")).subquery()
    latest = (
        select(
            col(Coupon.id).label("coupon_id"),
            col(Coupon.code),
            col(Coupon.valid_from),
            col(Coupon.valid_until),
            col(CouponDefinition.id).label("definition_id"),
            col(CouponDefinition.name),
            col(CouponDefinition.kind),
            col(CouponDefinition.terms),
            col(CouponDefinition.scope),
            col(CouponDefinition.stackable),
        )
        .join(CouponDefinition, col(CouponDefinition.id) == col(Coupon.definition_id))
        .where(col(Coupon.account_id) == member.c.account_id, col(Coupon.status) == "active")
        .order_by(col(Coupon.granted_at).desc(), col(Coupon.id).desc())
        .limit(limit)
        .lateral()
    )
    return select(member, latest).select_from(member.outerjoin(latest, true()))


async def priceable(
    session: AsyncSession,
    query: Prepared,
    member_id: uuid.UUID,
    categories: Collection[str],
) -> Priceable:
    """The member's account, coupons and the categories' ancestors by ``query`` (a
    :func:`priceable_query`, prepared), in one round trip."""
    parameters = {MEMBER.key: member_id, CATEGORIES.key: sorted(categories)}
    rows = await query.fetch(session, **parameters)
    return Priceable(
        account_id=rows[0]["account_id"],
        ancestors=rows[0]["ancestors"],
        coupons=[PricedRow(*tuple(row)[2:]) for row in rows if row["coupon_id"] is not None],
    )


async def withdraw(session: AsyncSession, coupon_id: uuid.UUID) -> Coupon | None:
    """Sets the coupon withdrawn if it is still active, in one conditional update; the
    coupon as it is now, or None when it was not active (used, held, expired, withdrawn)."""
    query = (
        update(Coupon)
        .where(col(Coupon.id) == coupon_id, col(Coupon.status) == "active")
        .values(status="withdrawn")
        .returning(Coupon)
    )
    return (await session.scalars(query)).first()


async def count_by_campaign(session: AsyncSession) -> dict[uuid.UUID, int]:
    """How many coupons each campaign's giveaway granted (campaigns that gave none left
    out), whatever the coupons' state."""
    query = (
        select(col(Coupon.campaign_id), func.count())
        .where(col(Coupon.campaign_id).is_not(None))
        .group_by(col(Coupon.campaign_id))
    )
    return {row[0]: int(row[1]) for row in await session.execute(query) if row[0] is not None}


async def held_by_member(session: AsyncSession, definition_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Coupons of the definition each member was granted, whatever their state (members
    granted none left out)."""
    query = (
        select(col(Coupon.member_id), func.count())
        .where(col(Coupon.definition_id) == definition_id)
        .group_by(col(Coupon.member_id))
    )
    return {row[0]: int(row[1]) for row in await session.execute(query)}


@dataclass(frozen=True)
class ExpiredCoupon:
    coupon_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID
    definition_id: uuid.UUID
    definition_name: str
    valid_until: datetime


async def expire(session: AsyncSession, *, until: datetime, limit: int) -> list[ExpiredCoupon]:
    """Sets ``expired`` on up to ``limit`` active coupons whose validity ended at or before
    ``until``, the earliest ended first. Rows another transaction holds are skipped (a
    till moving the coupon decides it first; the next run finds it if still due) and the
    status is checked again under the lock, so only ``active`` ever becomes ``expired``."""
    # a CTE runs once; as an IN (subquery) the planner may rescan it and take more rows
    due = (
        select(col(Coupon.id))
        .where(col(Coupon.status) == "active", col(Coupon.valid_until) <= until)
        .order_by(col(Coupon.valid_until), col(Coupon.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    expired = (
        update(Coupon)
        .where(col(Coupon.id) == due.c.id, col(Coupon.status) == "active")
        .values(status="expired")
        .returning(
            col(Coupon.id),
            col(Coupon.member_id),
            col(Coupon.account_id),
            col(Coupon.definition_id),
            col(Coupon.valid_until),
        )
        .cte("expired")
    )
    query = select(expired, col(CouponDefinition.name)).join(
        CouponDefinition, col(CouponDefinition.id) == expired.c.definition_id
    )
    return [
        ExpiredCoupon(
            coupon_id=row.id,
            member_id=row.member_id,
            account_id=row.account_id,
            definition_id=row.definition_id,
            definition_name=row.name,
            valid_until=row.valid_until,
        )
        for row in await session.execute(query)
    ]


_BY_CODE = (
    select(Coupon, CouponDefinition)
    .join(CouponDefinition, col(CouponDefinition.id) == col(Coupon.definition_id))
    .where(
        col(Coupon.account_id) == bindparam("account_id", type_=Uuid),
        col(Coupon.code) == bindparam("code", type_=String),
    )
)
"""Built once, as a till's hold reads it on every attempt."""


async def by_code(
    session: AsyncSession, account_id: uuid.UUID, code: str
) -> tuple[Coupon, CouponDefinition] | None:
    """The account's coupon of this stored-form code, with its definition."""
    row = (await session.execute(_BY_CODE, {"account_id": account_id, "code": code})).first()
    return None if row is None else (row[0], row[1])


async def with_definition(
    session: AsyncSession, coupon_id: uuid.UUID
) -> tuple[Coupon, CouponDefinition]:
    found = await find_with_definition(session, coupon_id)
    assert found is not None, coupon_id
    return found


async def find_with_definition(
    session: AsyncSession, coupon_id: uuid.UUID
) -> tuple[Coupon, CouponDefinition] | None:
    """The coupon with its definition, or None if there is no such coupon."""
    query = (
        select(Coupon, CouponDefinition)
        .join(CouponDefinition, col(CouponDefinition.id) == col(Coupon.definition_id))
        .where(col(Coupon.id) == coupon_id)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def move(
    session: AsyncSession,
    coupon_id: uuid.UUID,
    before: str,
    after: str,
    *,
    usable_at: datetime | None = None,
) -> bool:
    """Moves the coupon from status ``before`` to ``after`` in one conditional UPDATE (and,
    with ``usable_at``, only if it is within its validity then); False, nothing changed,
    when it was not in ``before``. Concurrent moves of one coupon queue on its row, and
    the condition is read again after the wait: exactly one of them finds ``before``."""
    query = update(Coupon).where(col(Coupon.id) == coupon_id, col(Coupon.status) == before)
    if usable_at is not None:
        query = query.where(
            col(Coupon.valid_from) <= usable_at, col(Coupon.valid_until) > usable_at
        )
    result = await session.execute(query.values(status=after).returning(col(Coupon.id)))
    return result.first() is not None
