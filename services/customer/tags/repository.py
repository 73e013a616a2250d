"""Queries of the tags tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from services.customer.members.models import Member
from services.customer.tags.models import MemberTag, Tag
from shared.db import AsyncSession
from shared.pagination import PageKey


async def tag(
    session: AsyncSession, tag_id: uuid.UUID, *, lock: bool = False, share: bool = False
) -> Tag | None:
    """The tag; ``lock`` holds its row until the transaction ends (``share``: in share
    mode, so assignments of one tag run side by side but wait for its deletion)."""
    query = select(Tag).where(col(Tag.id) == tag_id)
    if lock or share:
        query = query.with_for_update(read=share)
    return (await session.scalars(query)).first()


async def by_key(session: AsyncSession, name_key: str) -> Tag | None:
    return (await session.scalars(select(Tag).where(col(Tag.name_key) == name_key))).first()


async def page(session: AsyncSession, limit: int, after: PageKey | None) -> list[Tag]:
    """Up to ``limit`` tags in creation order, after ``after``."""
    key = (col(Tag.created_at), col(Tag.id))
    query = select(Tag).order_by(*key).limit(limit)
    if after is not None:
        query = query.where(tuple_(*key) > (after.at, after.id))
    return list((await session.scalars(query)).all())


async def members(
    session: AsyncSession, member_ids: Sequence[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, tuple[str, datetime]]:
    """Of ``member_ids``, the members that exist: id → (status, joining time). ``lock``
    holds their rows (in id order, so two batches cannot deadlock) until the transaction
    ends, so one member's moves take turns."""
    query = select(col(Member.id), col(Member.status), col(Member.created_at)).where(
        col(Member.id).in_(member_ids)
    )
    if lock:
        query = query.order_by(col(Member.id)).with_for_update(key_share=True)
    return {row[0]: (row[1], row[2]) for row in await session.execute(query)}


async def add(
    session: AsyncSession, tag_id: uuid.UUID, joined: dict[uuid.UUID, datetime]
) -> list[uuid.UUID]:
    """Puts the tag on the members ``joined`` names (member id → joining time); the ones
    that did not have it yet, in id order (the order rows are locked in)."""
    rows = [
        {"tag_id": tag_id, "created_at": at, "member_id": member_id, "assigned_at": func.now()}
        for member_id, at in sorted(joined.items())
    ]
    statement = (
        insert(MemberTag)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["tag_id", "created_at", "member_id"])
        .returning(col(MemberTag.member_id))
    )
    return sorted(await session.scalars(statement))


async def remove(
    session: AsyncSession, tag_id: uuid.UUID, member_ids: Sequence[uuid.UUID] | None
) -> list[uuid.UUID]:
    """Takes the tag off ``member_ids`` (``None``: off every member); the ones that had it."""
    statement = delete(MemberTag).where(col(MemberTag.tag_id) == tag_id)
    if member_ids is not None:
        statement = statement.where(col(MemberTag.member_id).in_(member_ids))
    return sorted(await session.scalars(statement.returning(col(MemberTag.member_id))))


async def tags_of(session: AsyncSession, member_id: uuid.UUID) -> list[Tag]:
    """The member's tags, by name."""
    query = (
        select(Tag)
        .join(MemberTag, col(MemberTag.tag_id) == Tag.id)
        .where(col(MemberTag.member_id) == member_id)
        .order_by(col(Tag.name_key))
    )
    return list((await session.scalars(query)).all())
