"""Queries of the households tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from services.customer.households.models import (
    HEAD,
    Household,
    HouseholdMember,
    MembershipVersion,
)
from services.customer.members.models import Member
from shared.db import AsyncSession
from shared.pagination import PageKey

_households = Household.__table__  # type: ignore[attr-defined]
_in = HouseholdMember.__table__  # type: ignore[attr-defined]
_members = Member.__table__  # type: ignore[attr-defined]
_versions = MembershipVersion.__table__  # type: ignore[attr-defined]


async def household(
    session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False
) -> Household | None:
    """The household; with ``lock``, its row held until the transaction ends (every join
    and leave takes it, so a household's changes queue up)."""
    query = select(Household).where(Household.id == household_id)  # type: ignore[arg-type]
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def page(session: AsyncSession, limit: int, after: PageKey | None) -> list[Household]:
    """Up to ``limit`` households in opening order, after ``after``."""
    query = (
        select(Household)
        .order_by(Household.created_at, Household.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Household.created_at, Household.id) > (after.at, after.id))
    return list((await session.scalars(query)).all())


async def household_of(session: AsyncSession, member_id: uuid.UUID) -> uuid.UUID | None:
    """The household the member is in, if any."""
    return await session.scalar(select(_in.c.household_id).where(_in.c.member_id == member_id))


@dataclass(frozen=True)
class InHousehold:
    household_id: uuid.UUID
    member_id: uuid.UUID
    card_number: str
    name: str
    role: str
    joined_at: datetime


async def members_of(
    session: AsyncSession, household_ids: Sequence[uuid.UUID]
) -> list[InHousehold]:
    """The members of these households, each household's head first, then by joining."""
    query = (
        select(
            _in.c.household_id,
            _in.c.member_id,
            _members.c.card_number,
            _members.c.name,
            _in.c.role,
            _in.c.joined_at,
        )
        .join(_members, _members.c.id == _in.c.member_id)
        .where(_in.c.household_id.in_(household_ids))
        .order_by(_in.c.household_id, case((_in.c.role == HEAD, 0), else_=1), _in.c.joined_at)
    )
    return [InHousehold(*row) for row in await session.execute(query)]


async def join(
    session: AsyncSession, household_id: uuid.UUID, member_id: uuid.UUID, role: str
) -> datetime | None:
    """Puts the member in the household; None, having written nothing, if they are in one
    already (a concurrent join holds the member's key until it ends)."""
    statement = (
        insert(_in)
        .values(household_id=household_id, member_id=member_id, role=role, joined_at=func.now())
        .on_conflict_do_nothing(index_elements=["member_id"])
        .returning(_in.c.joined_at)
    )
    joined: datetime | None = await session.scalar(statement)
    return joined


async def leave(session: AsyncSession, household_id: uuid.UUID, member_id: uuid.UUID) -> datetime:
    """Takes the member out of the household; the time they left (the transaction's)."""
    at: datetime = await session.scalar(
        _in.delete()
        .where(_in.c.household_id == household_id, _in.c.member_id == member_id)
        .returning(func.now())
    )
    return at


async def dissolve(session: AsyncSession, household_id: uuid.UUID) -> datetime:
    at: datetime = await session.scalar(
        update(_households)
        .where(_households.c.id == household_id)
        .values(dissolved_at=func.now())
        .returning(_households.c.dissolved_at)
    )
    return at


async def next_version(session: AsyncSession, member_id: uuid.UUID) -> int:
    """Counts one more membership change of the member and returns its version (1 for
    their first). The row stays locked until the transaction ends, so two changes of one
    member never share a version."""
    statement = (
        insert(_versions)
        .values(member_id=member_id, version=1)
        .on_conflict_do_update(
            index_elements=["member_id"], set_={"version": _versions.c.version + 1}
        )
        .returning(_versions.c.version)
    )
    version: int = await session.scalar(statement)
    return version
