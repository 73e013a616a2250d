"""Queries of staff accounts."""

from __future__ import annotations

import uuid

from sqlmodel import col, select, tuple_

from services.customer.staff.models import StaffAccount
from shared.db import AsyncSession
from shared.pagination import PageKey


async def by_id(
    session: AsyncSession, staff_id: uuid.UUID, *, lock: bool = False
) -> StaffAccount | None:
    query = select(StaffAccount).where(col(StaffAccount.id) == staff_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def by_login_hash(session: AsyncSession, login_hash: str) -> StaffAccount | None:
    """The account, its row held until the transaction ends (sign-ins take turns, so
    concurrent wrong passwords all count)."""
    query = select(StaffAccount).where(col(StaffAccount.login_hash) == login_hash).with_for_update()
    return (await session.scalars(query)).first()


async def page(session: AsyncSession, limit: int, after: PageKey | None) -> list[StaffAccount]:
    """Up to ``limit`` accounts in creation order, after ``after``."""
    key = (col(StaffAccount.created_at), col(StaffAccount.id))
    query = select(StaffAccount).order_by(*key).limit(limit)
    if after is not None:
        query = query.where(tuple_(*key) > (after.at, after.id))
    return list((await session.scalars(query)).all())
