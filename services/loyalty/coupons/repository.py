"""Statements of coupons: definitions added and read, and their issue counter reserved."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlmodel import col

from services.loyalty.coupons.models import CouponDefinition
from shared.db import AsyncSession


async def add_definition(session: AsyncSession, definition: CouponDefinition) -> None:
    session.add(definition)
    await session.flush()


async def definition(session: AsyncSession, definition_id: uuid.UUID) -> CouponDefinition | None:
    return await session.get(CouponDefinition, definition_id)


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


async def newest(session: AsyncSession, limit: int) -> list[CouponDefinition]:
    query = (
        select(CouponDefinition)
        .order_by(col(CouponDefinition.created_at).desc(), col(CouponDefinition.id).desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
