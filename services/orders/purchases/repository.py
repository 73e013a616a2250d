"""Queries of sales. Sales are written with plain multi-row statements."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
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
    cast,
    column,
    func,
    insert,
    literal,
    sql,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select

from services.orders.base import outbox
from services.orders.purchases.domain import ReceiptHolder
from services.orders.purchases.models import RECEIPT_HOLDER, Purchase, PurchaseLine
from shared.db import AsyncSession, Prepared
from shared.events import CloudEvent

_purchases = Purchase.__table__  # type: ignore[attr-defined]
_lines = PurchaseLine.__table__  # type: ignore[attr-defined]
_outbox = outbox.table

SaleRows = tuple[dict[str, Any], Sequence[dict[str, Any]]]
"""A purchase row and its line rows."""


async def insert_purchases(
    session: AsyncSession, sales: Sequence[SaleRows], events: Sequence[CloudEvent]
) -> set[uuid.UUID]:
    """Purchases, their lines and their events (``events[i]`` is sale ``sales[i]``'s,
    written to the outbox in their order) in one round trip, however many: the ids
    recorded.

    A purchase whose receipt number its store already holds (another request's, committed
    meanwhile) is left out with its lines and its event, as is one whose id is taken: a
    sale with a receipt number has the id it names, so that is the same clash. Rows go in
    receipt order, so that two requests with overlapping receipts wait for each other
    instead of deadlocking.
    """
    if not sales:
        return set()
    ordered = sorted(sales, key=lambda sale: sale[0]["receipt_no"] or "")
    arrays: dict[str, list[Any]] = {name: [] for name in _PURCHASE_COLUMNS}
    arrays |= {f"line_{name}s": [] for name in _LINE_COLUMNS}
    arrays["line_purchase_ids"] = []
    for purchase, lines in ordered:
        for name in _PURCHASE_COLUMNS:
            value = purchase[name]
            if name in _JSON_COLUMNS and value is not None:
                value = json.dumps(value)
            arrays[name].append(value)
        for line in lines:
            arrays["line_purchase_ids"].append(purchase["id"])
            for name in _LINE_COLUMNS:
                arrays[f"line_{name}s"].append(line[name])
    arrays["event_purchase_ids"] = [purchase["id"] for purchase, _ in sales]
    arrays["event_ids"] = [event.id for event in events]
    arrays["event_types"] = [event.type for event in events]
    arrays["event_topics"] = [event.topic for event in events]
    arrays["event_keys"] = [event.key for event in events]
    arrays["envelopes"] = [event.model_dump_json() for event in events]
    return {row["id"] for row in await _INSERT_PURCHASES.fetch(session, **arrays)}


_PURCHASE_COLUMNS = {
    "id": Uuid,
    "store_id": Uuid,
    "member_id": Uuid,
    "total_fen": BigInteger,
    "purchased_at": DateTime(timezone=True),
    "receipt_no": Text,
    "request_hash": Text,
    "created_at": DateTime(timezone=True),
    "tenders": Text,
    "discounts": Text,
}
_JSON_COLUMNS = {"tenders", "discounts"}
"""Sent as a text array of JSON documents, each cast to jsonb in the statement."""
_LINE_COLUMNS = {
    "line_no": Integer,
    "sku": Text,
    "category": Text,
    "quantity": Integer,
    "unit_price_fen": BigInteger,
    "discount_fen": BigInteger,
}


def _array(name: str, kind: Any) -> Any:
    return bindparam(name, type_=ARRAY(kind))


def _unnest(name: str, kind: Any) -> Any:
    elements = func.unnest(_array(name, kind))
    return cast(elements, JSONB) if name in _JSON_COLUMNS else elements


def _insert_purchases_with_lines() -> Prepared:
    """Sales, their lines and their events in one round trip: every column goes as an
    array, so the statement is the same for any number of sales and lines, compiled once
    and sent as asyncpg's prepared statement (a sale's path runs it for every sale)."""
    recorded = (
        pg_insert(Purchase)
        .from_select(
            list(_PURCHASE_COLUMNS),
            sql.select(
                *(_unnest(name, kind).label(name) for name, kind in _PURCHASE_COLUMNS.items())
            ),
        )
        # no conflict target: the primary key is an arbiter beside the receipt index (a
        # sale's id is named by its receipt number); with the receipt index alone, a sale
        # racing another with its receipt could meet the primary key's check first and fail
        .on_conflict_do_nothing()
        .returning(_purchases.c.id)
        .cte("recorded")
    )
    names = ["purchase_id", *_LINE_COLUMNS]
    rows = (
        func.unnest(
            _array("line_purchase_ids", Uuid),
            *(_array(f"line_{name}s", kind) for name, kind in _LINE_COLUMNS.items()),
        )
        .table_valued(*(column(name) for name in names))
        .render_derived("line")
    )
    lines = (
        insert(_lines)
        .from_select(
            [*names, "returned_quantity"],
            sql.select(*(rows.c[name] for name in names), literal(0)).where(
                rows.c.purchase_id.in_(sql.select(recorded.c.id))
            ),
        )
        .cte("lines")
    )
    event = (
        func.unnest(*(_array(name, kind) for name, kind in _EVENT_ARRAYS.items()))
        .table_valued(*(column(name) for name in _OUTBOX_COLUMNS), with_ordinality="n")
        .render_derived("event")
    )
    published = (
        insert(_outbox)
        .from_select(
            [name for name in _OUTBOX_COLUMNS if name != "purchase_id"],
            sql.select(
                event.c.event_id,
                event.c.event_type,
                event.c.topic,
                event.c.key,
                cast(event.c.envelope, JSONB),
            )
            .where(event.c.purchase_id.in_(sql.select(recorded.c.id)))
            .order_by(event.c.n),  # the outbox's seq keeps the events' order
        )
        .cte("published")
    )
    return Prepared(sql.select(recorded.c.id).add_cte(lines).add_cte(published))


_EVENT_ARRAYS = {
    "event_purchase_ids": Uuid,
    "event_ids": Text,
    "event_types": Text,
    "event_topics": Text,
    "event_keys": Text,
    "envelopes": Text,
}
_OUTBOX_COLUMNS = ["purchase_id", "event_id", "event_type", "topic", "key", "envelope"]
"""The columns of ``_EVENT_ARRAYS``: a sale's id and its event's outbox row."""


_INSERT_PURCHASES = _insert_purchases_with_lines()


async def receipt_holders(
    session: AsyncSession, store_id: uuid.UUID, receipt_nos: Collection[str]
) -> dict[str, ReceiptHolder]:
    """The purchases holding these receipt numbers of the store, by receipt number."""
    if not receipt_nos:
        return {}
    rows = await session.execute(
        sql.select(_purchases.c.receipt_no, _purchases.c.id, _purchases.c.request_hash).where(
            _purchases.c.store_id == store_id,
            _purchases.c.receipt_no == any_(bindparam("receipts", list(receipt_nos), ARRAY(Text))),
            RECEIPT_HOLDER,
        )
    )
    return {row.receipt_no: ReceiptHolder(row.id, row.request_hash) for row in rows}


async def purchases_by_id(
    session: AsyncSession, purchase_ids: Collection[uuid.UUID]
) -> list[Purchase]:
    query = select(Purchase).where(col(Purchase.id).in_(purchase_ids))
    return list((await session.scalars(query)).all())


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


async def of_member(session: AsyncSession, member_id: uuid.UUID) -> list[Purchase]:
    """Every purchase of the member, newest first."""
    query = (
        select(Purchase)
        .where(Purchase.member_id == member_id)
        .order_by(col(Purchase.purchased_at).desc(), col(Purchase.id).desc())
    )
    return list((await session.scalars(query)).all())


async def add_returned_quantities(
    session: AsyncSession, purchase_id: uuid.UUID, quantities: Sequence[tuple[int, int]]
) -> None:
    await session.execute(
        update(_lines)
        .where(_lines.c.purchase_id == purchase_id, _lines.c.line_no == bindparam("no"))
        .values(returned_quantity=_lines.c.returned_quantity + bindparam("qty")),
        [{"no": line_no, "qty": quantity} for line_no, quantity in quantities],
    )


async def refund_tenders(
    session: AsyncSession, purchase_id: uuid.UUID, tenders: list[dict[str, Any]]
) -> None:
    """Replaces the purchase's tenders, unless it was recorded without (before they were
    kept)."""
    await session.execute(
        update(_purchases)
        .where(_purchases.c.id == purchase_id, _purchases.c.tenders.is_not(None))
        .values(tenders=tenders)
    )


async def void(
    session: AsyncSession, purchase_id: uuid.UUID, at: datetime, reason: str | None
) -> None:
    await session.execute(
        update(_purchases)
        .where(_purchases.c.id == purchase_id)
        .values(voided_at=at, void_reason=reason)
    )
