"""Queries of the profile lifecycle on the members table."""

from __future__ import annotations

import uuid

from sqlmodel import select

from services.customer.members.models import Member
from shared.db import AsyncSession


async def for_update(session: AsyncSession, member_id: uuid.UUID) -> Member | None:
    """The member, row-locked until the transaction ends and read afresh: two edits of
    one profile take turns, so the second sees the first's version."""
    query = (
        select(Member)
        .where(Member.id == member_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def phone_taken(session: AsyncSession, phone_hash: str, other_than: uuid.UUID) -> bool:
    """Whether a member other than ``other_than`` has the phone hashed as ``phone_hash``."""
    query = select(Member.id).where(Member.phone_hash == phone_hash, Member.id != other_than)
    return (await session.scalars(query)).first() is not None
