"""Queries of households, their transfers and the household policy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Insert

from services.loyalty.accounts.service import Along, Param
from services.loyalty.households.models import (
    EarlyChange,
    Household,
    HouseholdPolicy,
    HouseholdTransfer,
    MembershipApplied,
)
from shared.db import AsyncSession

_households: Table = Household.__table__  # type: ignore[attr-defined]
_transfers: Table = HouseholdTransfer.__table__  # type: ignore[attr-defined]
_policy: Table = HouseholdPolicy.__table__  # type: ignore[attr-defined]
_applied: Table = MembershipApplied.__table__  # type: ignore[attr-defined]
_early: Table = EarlyChange.__table__  # type: ignore[attr-defined]


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


# --- the order of a member's membership changes ---


async def locked_version(session: AsyncSession, member_id: uuid.UUID) -> int:
    """The version of the member's last membership change applied (0: none yet), its row
    locked until the transaction ends (opened if the member had none: a concurrent opening
    waits on the key, then takes the row's lock)."""
    statement = (
        pg_insert(_applied)
        .values(member_id=member_id, version=0, updated_at=func.now())
        .on_conflict_do_update(index_elements=["member_id"], set_={"version": _applied.c.version})
        .returning(_applied.c.version)
    )
    version: int = await session.scalar(statement)
    return version


async def save_version(session: AsyncSession, member_id: uuid.UUID, version: int) -> None:
    await session.execute(
        update(_applied)
        .where(_applied.c.member_id == member_id)
        .values(version=version, updated_at=func.now())
    )


async def keep_early(
    session: AsyncSession,
    *,
    member_id: uuid.UUID,
    version: int,
    event_type: str,
    event_id: str | None,
    payload: dict[str, Any],
) -> bool:
    """Keeps a change that came early; False if one with its version is kept already (the
    same change delivered again under another event id)."""
    kept = await session.scalar(
        pg_insert(_early)
        .values(
            member_id=member_id,
            version=version,
            event_type=event_type,
            event_id=event_id,
            payload=payload,
            received_at=func.now(),
        )
        .on_conflict_do_nothing(index_elements=["member_id", "version"])
        .returning(_early.c.version)
    )
    return kept is not None


@dataclass(frozen=True)
class EarlyRow:
    event_type: str
    event_id: str | None
    payload: dict[str, Any]


async def take_early(session: AsyncSession, member_id: uuid.UUID, version: int) -> EarlyRow | None:
    """Removes and returns the member's change of ``version`` kept early, if any."""
    row = (
        await session.execute(
            _early.delete()
            .where(_early.c.member_id == member_id, _early.c.version == version)
            .returning(_early.c.event_type, _early.c.event_id, _early.c.payload)
        )
    ).first()
    return EarlyRow(*row) if row is not None else None
