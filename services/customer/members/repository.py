"""Queries of the members table."""

from __future__ import annotations

import uuid

from sqlalchemy import func, tuple_
from sqlmodel import select

from services.customer.members.models import Member
from shared.db import AsyncSession
from shared.pagination import PageKey

ERASED = "erased"
"""The ``status`` of an erased member's tombstone."""


async def next_card_serial(session: AsyncSession) -> int:
    serial = await session.scalar(
        select(func.nextval(func.pg_get_serial_sequence("customer.members", "card_serial")))
    )
    return int(serial or 0)


async def get(session: AsyncSession, member_id: uuid.UUID) -> Member | None:
    return await session.get(Member, member_id)


async def by_phone_hash(session: AsyncSession, phone_hash: str) -> Member | None:
    return (await session.scalars(select(Member).where(Member.phone_hash == phone_hash))).first()


async def by_referral_code(session: AsyncSession, code: str) -> Member | None:
    """The member whose referral code is ``code`` (stored form)."""
    query = select(Member).where(Member.referral_code == code)
    return (await session.scalars(query)).first()


async def lookup(
    session: AsyncSession, *, phone_hash: str | None, card_number: str | None
) -> Member | None:
    """The member with this phone hash and/or card number (both must match when both
    given); never an erased one."""
    if phone_hash is None and card_number is None:
        raise ValueError("a lookup needs a phone hash or a card number")
    query = select(Member).where(Member.status != ERASED)
    if phone_hash is not None:
        query = query.where(Member.phone_hash == phone_hash)
    if card_number is not None:
        query = query.where(Member.card_number == card_number)
    return (await session.scalars(query)).first()


async def page(session: AsyncSession, limit: int, after: PageKey | None) -> list[Member]:
    """Up to ``limit`` members in joining order, after ``after``; erased ones left out."""
    query = (
        select(Member)
        .where(Member.status != ERASED)
        .order_by(Member.created_at, Member.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Member.created_at, Member.id) > (after.at, after.id))
    return list((await session.scalars(query)).all())
