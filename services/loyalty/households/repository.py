"""Queries of households, their transfers and the household policy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Table, and_, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Insert

from services.loyalty.accounts.service import Along, Param
from services.loyalty.households.models import Household, HouseholdPolicy, HouseholdTransfer
from shared.db import AsyncSession

_households: Table = Household.__table__  # type: ignore[attr-defined]
_transfers: Table = HouseholdTransfer.__table__  # type: ignore[attr-defined]
_policy: Table = HouseholdPolicy.__table__  # type: ignore[attr-defined]


async def account_of(session: AsyncSession, household_id: uuid.UUID) -> uuid.UUID | None:
    """The household's account, if loyalty has seen the household."""
    return await session.scalar(
        select(_households.c.account_id).where(_households.c.household_id == household_id)
    )


async def add(session: AsyncSession, household_id: uuid.UUID, account_id: uuid.UUID) -> None:
    await session.execute(
        insert(_households).values(
            household_id=household_id, account_id=account_id, created_at=func.now()
        )
    )


def record_transfer(
    *,
    transfer_id: uuid.UUID,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    direction: str,
    points: int,
) -> Along:
    """The transfer's record, written with the entry that credits its points."""
    return Along(
        _record_transfer_when,
        {
            "transfer_id": transfer_id,
            "household_id": household_id,
            "member_id": member_id,
            "direction": direction,
            "points": points,
        },
    )


def _record_transfer_when(condition: ColumnElement[bool], param: Param) -> Insert:
    names = ("transfer_id", "household_id", "member_id", "direction", "points")
    values = [param(name, _transfers.c[name].type) for name in names]
    return insert(_transfers).from_select(
        [*names, "created_at"], select(*values, func.now()).where(condition)
    )


async def brought(
    session: AsyncSession, household_id: uuid.UUID, since: dict[uuid.UUID, datetime]
) -> dict[uuid.UUID, int]:
    """The points each member brought into the household when they joined it last (their
    joining transfer at or after their time in ``since``)."""
    if not since:
        return {}
    query = (
        select(_transfers.c.member_id, func.sum(_transfers.c.points))
        .where(
            _transfers.c.household_id == household_id,
            _transfers.c.direction == "join",
            _in_since(since),
        )
        .group_by(_transfers.c.member_id)
    )
    return {member: int(points) for member, points in await session.execute(query)}


def _in_since(since: dict[uuid.UUID, datetime]) -> ColumnElement[bool]:
    return or_(
        *(
            and_(_transfers.c.member_id == member, _transfers.c.created_at >= at)
            for member, at in since.items()
        )
    )


@dataclass(frozen=True)
class PolicyRow:
    leaving_share: str
    updated_at: datetime | None


async def policy(session: AsyncSession) -> PolicyRow | None:
    row = (await session.execute(select(_policy.c.leaving_share, _policy.c.updated_at))).first()
    return PolicyRow(*row) if row is not None else None


async def save_policy(session: AsyncSession, leaving_share: str) -> PolicyRow:
    statement = (
        pg_insert(_policy)
        .values(id=1, leaving_share=leaving_share, updated_at=func.now())
        .on_conflict_do_update(
            index_elements=["id"], set_={"leaving_share": leaving_share, "updated_at": func.now()}
        )
        .returning(_policy.c.leaving_share, _policy.c.updated_at)
    )
    return PolicyRow(*(await session.execute(statement)).one())
