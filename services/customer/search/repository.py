"""Search queries of the members table; each page in joining order ``(created_at, id)``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, tuple_
from sqlmodel import col, select

from services.customer.members.models import Member
from services.customer.search import domain
from services.customer.search.models import MemberNameGram
from shared.db import AsyncSession
from shared.pagination import PageKey


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def by_number(
    session: AsyncSession, *, phone_hash: str | None, card_number: str | None
) -> list[Member]:
    """The members whose phone hash is ``phone_hash`` or whose card is ``card_number``
    (at most two: both columns are unique)."""
    wanted: list[ColumnElement[bool]] = []
    if phone_hash is not None:
        wanted.append(col(Member.phone_hash) == phone_hash)
    if card_number is not None:
        wanted.append(col(Member.card_number) == card_number)
    query = select(Member).where(or_(*wanted)).order_by(col(Member.created_at), col(Member.id))
    return list((await session.scalars(query)).all())


async def page(
    session: AsyncSession,
    *,
    name_part: str | None,
    initial: str | None,
    limit: int,
    after: PageKey | None,
) -> list[Member]:
    """Up to ``limit`` members after ``after`` whose lower-case name contains
    ``name_part`` (already :func:`domain.name_key`) and/or whose surname initial is
    ``initial``.

    A part of one or two characters is a range of ``member_name_grams``' primary key, in
    page order; a longer one is matched with ``LIKE`` (its ``%``, ``_`` and ``\\``
    escaped), which the trigram index ``ix_members_name_trgm`` serves; an initial alone is
    a range of ``ix_members_surname_initial``.
    """
    if name_part is not None and domain.is_gram(name_part):
        created_at, member_id = col(MemberNameGram.created_at), col(MemberNameGram.member_id)
        query = (
            select(Member)
            .join(MemberNameGram, member_id == Member.id)
            .where(col(MemberNameGram.gram) == name_part)
        )
    else:
        created_at, member_id = col(Member.created_at), col(Member.id)
        query = select(Member)
        if name_part is not None:
            pattern = f"%{_escaped(name_part)}%"
            query = query.where(func.lower(Member.name).like(pattern, escape="\\"))
    if initial is not None:
        query = query.where(col(Member.surname_initial) == initial)
    if after is not None:
        query = query.where(tuple_(created_at, member_id) > (after.at, after.id))
    query = query.order_by(created_at, member_id).limit(limit)
    return list((await session.scalars(query)).all())
