"""Statements of birthday coupons."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from services.loyalty.base import now
from services.loyalty.coupons.birthdays.models import BirthdayCoupon, MemberBirthday
from shared.db import AsyncSession

_birthdays = MemberBirthday.__table__  # type: ignore[attr-defined]
_setting = BirthdayCoupon.__table__  # type: ignore[attr-defined]


async def record(session: AsyncSession, member_id: uuid.UUID, month: int, day: int) -> None:
    """The member's birthday; a later registration event of the member says it again."""
    query = insert(_birthdays).values(member_id=member_id, month=month, day=day)
    query = query.on_conflict_do_update(
        index_elements=["member_id"], set_={"month": month, "day": day}
    )
    await session.execute(query)


async def forget(session: AsyncSession, member_id: uuid.UUID) -> None:
    """The member has no birthday on record any more."""
    await session.execute(delete(_birthdays).where(_birthdays.c.member_id == member_id))


async def born_on(
    session: AsyncSession,
    days: Sequence[tuple[int, int]],
    *,
    after: uuid.UUID | None,
    limit: int,
) -> list[uuid.UUID]:
    """Members born on one of the ``(month, day)`` pairs, by id, the ``limit`` after
    ``after``."""
    query = (
        select(col(MemberBirthday.member_id))
        .where(tuple_(col(MemberBirthday.month), col(MemberBirthday.day)).in_(days))
        .order_by(col(MemberBirthday.member_id))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(MemberBirthday.member_id) > after)
    return list((await session.scalars(query)).all())


async def setting(session: AsyncSession) -> BirthdayCoupon | None:
    return await session.get(BirthdayCoupon, 1)


async def set_definition(session: AsyncSession, definition_id: uuid.UUID, by: str) -> None:
    values = {"definition_id": definition_id, "updated_by": by, "updated_at": now()}
    query = insert(_setting).values(id=1, **values)
    query = query.on_conflict_do_update(index_elements=["id"], set_=values)
    await session.execute(query)


async def clear(session: AsyncSession) -> None:
    await session.execute(delete(BirthdayCoupon))
