"""Queries of the members table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, tuple_
from sqlmodel import select

from services.customer.members.models import Member
from shared.db import AsyncSession


async def next_card_serial(session: AsyncSession) -> int:
    serial = await session.scalar(
        select(func.nextval(func.pg_get_serial_sequence("customer.members", "card_serial")))
    )
    return int(serial or 0)


async def get(session: AsyncSession, member_id: uuid.UUID) -> Member | None:
    return await session.get(Member, member_id)


async def by_phone_hash(session: AsyncSession, phone_hash: str) -> Member | None:
    return (await session.scalars(select(Member).where(Member.phone_hash == phone_hash))).first()


async def by_card_number(session: AsyncSession, card_number: str) -> Member | None:
    return (await session.scalars(select(Member).where(Member.card_number == card_number))).first()


async def page(
    session: AsyncSession, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> list[Member]:
    query = select(Member).order_by(Member.created_at, Member.id).limit(limit)  # type: ignore[arg-type]
    if after is not None:
        query = query.where(tuple_(Member.created_at, Member.id) > after)
    return list((await session.scalars(query)).all())
