"""What search keeps of a member's name, written whenever the name is: the surname's
pinyin initial and the name's 1- and 2-character pieces."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlmodel import col

from services.customer.members.models import Member
from services.customer.search.domain import name_grams, surname_initial
from services.customer.search.models import MemberNameGram
from shared.db import AsyncSession


async def index_name(session: AsyncSession, member: Member) -> None:
    """Sets ``member.surname_initial`` and replaces its name pieces; ``member`` must be
    flushed already (the pieces reference it). Flushes."""
    member.surname_initial = surname_initial(member.name)
    await session.flush()
    await session.execute(delete(MemberNameGram).where(col(MemberNameGram.member_id) == member.id))
    rows = [
        {"gram": gram, "created_at": member.created_at, "member_id": member.id}
        for gram in sorted(name_grams(member.name))
    ]
    if rows:
        await session.execute(insert(MemberNameGram), rows)
