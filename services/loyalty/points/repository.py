"""Queries of purchases and returns."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, literal, select, update
from sqlalchemy.sql.dml import Insert, Update

from services.loyalty.points.models import Purchase, PurchaseReturn
from shared.db import AsyncSession

_purchases: Table = Purchase.__table__  # type: ignore[attr-defined]
_returns: Table = PurchaseReturn.__table__  # type: ignore[attr-defined]


def _insert_when(condition: ColumnElement[bool], table: Table, row: Mapping[str, Any]) -> Insert:
    """INSERT of one row, made only where ``condition`` holds."""
    values = [
        value if isinstance(value, ColumnElement) else literal(value, table.c[name].type)
        for name, value in row.items()
    ]
    return insert(table).from_select(list(row), select(*values).where(condition))


async def purchase(session: AsyncSession, purchase_id: uuid.UUID) -> Purchase | None:
    query = select(Purchase).where(_purchases.c.purchase_id == purchase_id)
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


def record_purchase_when(
    condition: ColumnElement[bool],
    *,
    purchase_id: uuid.UUID,
    account_id: uuid.UUID,
    member_id: uuid.UUID,
    total_fen: int,
    tier_code: str,
    points: int,
) -> Insert:
    return _insert_when(
        condition,
        _purchases,
        {
            "purchase_id": purchase_id,
            "account_id": account_id,
            "member_id": member_id,
            "total_fen": total_fen,
            "tier_code": tier_code,
            "points_earned": points,
            "points_reversed": 0,
            "returned_fen": 0,
            "created_at": func.now(),
        },
    )


def record_return_when(
    condition: ColumnElement[bool], *, return_id: uuid.UUID, purchase_id: uuid.UUID
) -> Insert:
    return _insert_when(
        condition,
        _returns,
        {"return_id": return_id, "purchase_id": purchase_id, "created_at": func.now()},
    )


def count_reversal_when(
    condition: ColumnElement[bool], *, purchase_id: uuid.UUID, points: int, returned_fen: int
) -> Update:
    """Adds a return's reversal (points taken back plus shortfall) and refund to its purchase."""
    return (
        update(_purchases)
        .where(_purchases.c.purchase_id == purchase_id, condition)
        .values(
            points_reversed=_purchases.c.points_reversed + points,
            returned_fen=_purchases.c.returned_fen + returned_fen,
        )
    )


async def purchases_returned(
    session: AsyncSession, return_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The purchase each of the returns took points back from."""
    if not return_ids:
        return {}
    query = select(_returns.c.return_id, _returns.c.purchase_id).where(
        _returns.c.return_id.in_(return_ids)
    )
    return {row.return_id: row.purchase_id for row in await session.execute(query)}
