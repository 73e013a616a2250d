"""Queries of the orders schema. Sales are written with plain multi-row statements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    Text,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    literal,
    sql,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.expression import Executable
from sqlmodel import col, select

from services.orders.models import Member, Purchase, PurchaseLine, PurchaseReturn, ReturnLine, Store
from shared.db import AsyncSession

_lines = PurchaseLine.__table__  # type: ignore[attr-defined]


async def store_by_key_hash(session: AsyncSession, api_key_hash: str) -> Store | None:
    return (await session.scalars(select(Store).where(Store.api_key_hash == api_key_hash))).first()


async def add_member(
    session: AsyncSession, member_id: uuid.UUID, card_number: str, phone_hash: str
) -> None:
    await session.execute(
        pg_insert(Member)
        .values(member_id=member_id, card_number=card_number, phone_hash=phone_hash)
        .on_conflict_do_nothing(index_elements=["member_id"])
    )


async def find_member_id(
    session: AsyncSession,
    *,
    member_id: uuid.UUID | None = None,
    card_number: str | None = None,
    phone_hash: str | None = None,
) -> uuid.UUID | None:
    """The member named by whichever one reference is given."""
    if member_id is not None:
        condition = col(Member.member_id) == member_id
    elif card_number is not None:
        condition = col(Member.card_number) == card_number
    elif phone_hash is not None:
        condition = col(Member.phone_hash) == phone_hash
    else:
        raise ValueError("give one member reference")
    found: uuid.UUID | None = await session.scalar(select(col(Member.member_id)).where(condition))
    return found


async def find_member_ids(
    session: AsyncSession,
    *,
    member_ids: set[uuid.UUID] | None = None,
    card_numbers: set[str] | None = None,
    phone_hashes: set[str] | None = None,
) -> dict[Any, uuid.UUID]:
    """Known members by the one kind of reference given: one query for all of them."""
    column: Any
    kind: Any
    values: list[Any]
    if member_ids is not None:
        column, values, kind = col(Member.member_id), list(member_ids), Uuid()
    elif card_numbers is not None:
        column, values, kind = col(Member.card_number), list(card_numbers), Text()
    elif phone_hashes is not None:
        column, values, kind = col(Member.phone_hash), list(phone_hashes), Text()
    else:
        raise ValueError("give one kind of member reference")
    if not values:
        return {}
    rows = await session.execute(
        sql.select(column, col(Member.member_id)).where(
            column == any_(bindparam("values", values, type_=ARRAY(kind)))
        )
    )
    return dict(rows.all())


async def insert_purchase(
    session: AsyncSession, purchase: dict[str, Any], lines: Sequence[dict[str, Any]]
) -> None:
    await insert_purchases(session, [(purchase, lines)])


async def insert_purchases(
    session: AsyncSession, sales: Sequence[tuple[dict[str, Any], Sequence[dict[str, Any]]]]
) -> None:
    """Purchases and their lines in one round trip, however many."""
    if not sales:
        return
    arrays: dict[str, list[Any]] = {name: [] for name in _PURCHASE_COLUMNS}
    arrays |= {f"line_{name}s": [] for name in _LINE_COLUMNS}
    arrays["line_purchase_ids"] = []
    for purchase, lines in sales:
        for name in _PURCHASE_COLUMNS:
            arrays[name].append(purchase[name])
        for line in lines:
            arrays["line_purchase_ids"].append(purchase["id"])
            for name in _LINE_COLUMNS:
                arrays[f"line_{name}s"].append(line[name])
    await session.execute(_INSERT_PURCHASES, arrays)


_PURCHASE_COLUMNS = {
    "id": Uuid,
    "store_id": Uuid,
    "member_id": Uuid,
    "total_fen": BigInteger,
    "purchased_at": DateTime(timezone=True),
    "receipt_no": Text,
    "created_at": DateTime(timezone=True),
}
_LINE_COLUMNS = {
    "line_no": Integer,
    "sku": Text,
    "category": Text,
    "quantity": Integer,
    "unit_price_fen": BigInteger,
}


def _unnest(name: str, kind: Any) -> Any:
    return func.unnest(bindparam(name, type_=ARRAY(kind)))


def _insert_purchases_with_lines() -> Executable:
    """Sales and their lines in one round trip: every column goes as an array, so the
    statement is the same for any number of sales and lines and compiles once."""
    purchases = (
        insert(Purchase)
        .from_select(
            list(_PURCHASE_COLUMNS),
            sql.select(
                *(_unnest(name, kind).label(name) for name, kind in _PURCHASE_COLUMNS.items())
            ),
        )
        .cte("purchases")
    )
    lines = sql.select(
        _unnest("line_purchase_ids", Uuid).label("purchase_id"),
        *(_unnest(f"line_{name}s", kind).label(name) for name, kind in _LINE_COLUMNS.items()),
        literal(0).label("returned_quantity"),
    )
    return (
        insert(_lines)
        .from_select(["purchase_id", *_LINE_COLUMNS, "returned_quantity"], lines)
        .add_cte(purchases)
    )


_INSERT_PURCHASES = _insert_purchases_with_lines()


async def purchase_of_store(
    session: AsyncSession, store_id: uuid.UUID, purchase_id: uuid.UUID, *, lock: bool = False
) -> Purchase | None:
    query = select(Purchase).where(Purchase.id == purchase_id, Purchase.store_id == store_id)
    if lock:  # serialises concurrent returns of one purchase
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def lines_of(session: AsyncSession, purchase_ids: Sequence[uuid.UUID]) -> list[PurchaseLine]:
    query = (
        select(PurchaseLine)
        .where(col(PurchaseLine.purchase_id).in_(purchase_ids))
        .order_by(col(PurchaseLine.purchase_id), col(PurchaseLine.line_no))
    )
    return list((await session.scalars(query)).all())


async def recent_purchases(
    session: AsyncSession,
    store_id: uuid.UUID,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[Purchase]:
    query = (
        select(Purchase)
        .where(Purchase.store_id == store_id)
        .order_by(col(Purchase.purchased_at).desc(), col(Purchase.id).desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(tuple_(col(Purchase.purchased_at), col(Purchase.id)) < before)
    return list((await session.scalars(query)).all())


async def insert_return(
    session: AsyncSession,
    purchase_return: dict[str, Any],
    lines: Sequence[dict[str, Any]],
) -> None:
    await session.execute(insert(PurchaseReturn).values(**purchase_return))
    await session.execute(insert(ReturnLine), list(lines))


async def add_returned_quantities(
    session: AsyncSession, purchase_id: uuid.UUID, quantities: Sequence[tuple[int, int]]
) -> None:
    await session.execute(
        update(_lines)
        .where(_lines.c.purchase_id == purchase_id, _lines.c.line_no == bindparam("no"))
        .values(returned_quantity=_lines.c.returned_quantity + bindparam("qty")),
        [{"no": line_no, "qty": quantity} for line_no, quantity in quantities],
    )
