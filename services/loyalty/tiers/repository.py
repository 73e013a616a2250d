"""Queries of tier standings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, ColumnElement, Uuid, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Update

from services.loyalty.accounts.service import Along, Param
from services.loyalty.tiers.models import TierStanding
from shared.db import AsyncSession

_standings = TierStanding.__table__  # type: ignore[attr-defined]
_columns = (_standings.c.member_id, _standings.c.tier_code, _standings.c.qualifying_spend_fen)


@dataclass(frozen=True)
class StandingRow:
    member_id: uuid.UUID
    tier_code: str
    qualifying_spend_fen: int


async def standing(
    session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False
) -> StandingRow | None:
    query = select(*_columns).where(_standings.c.member_id == member_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return StandingRow(*row) if row is not None else None


async def open_standing(
    session: AsyncSession, member_id: uuid.UUID, tier_code: str
) -> StandingRow | None:
    """Opens the member's standing (a row we insert is ours until commit); None if they
    have one already."""
    opened = await session.execute(
        pg_insert(_standings)
        .values(
            member_id=member_id,
            tier_code=tier_code,
            qualifying_spend_fen=0,
            version=1,
            created_at=func.now(),
            updated_at=func.now(),
        )
        .on_conflict_do_nothing(index_elements=["member_id"])
        .returning(*_columns)
    )
    row = opened.first()
    return StandingRow(*row) if row is not None else None


def save(*, member_id: uuid.UUID, tier_code: str, spend_fen: int) -> Along:
    """The member's new tier and spend, written with a points movement."""
    return Along(
        _save_when, {"member_id": member_id, "tier_code": tier_code, "spend_fen": spend_fen}
    )


def _save_when(condition: ColumnElement[bool], param: Param) -> Update:
    return (
        update(_standings)
        .where(_standings.c.member_id == param("member_id", Uuid()), condition)
        .values(
            tier_code=param("tier_code", _standings.c.tier_code.type),
            qualifying_spend_fen=param("spend_fen", BigInteger()),
            version=_standings.c.version + 1,
            updated_at=func.now(),
        )
    )


async def standings_off_ladder(session: AsyncSession, codes: Sequence[str]) -> list[StandingRow]:
    query = (
        select(*_columns)
        .where(_standings.c.tier_code.not_in(codes))
        .order_by(_standings.c.member_id)
        .with_for_update()
    )
    return [StandingRow(*row) for row in await session.execute(query)]


async def move(session: AsyncSession, moves: Sequence[tuple[uuid.UUID, str]]) -> None:
    """Places members on other tiers, their spend unchanged."""
    if not moves:
        return
    await session.execute(
        update(_standings)
        .where(_standings.c.member_id == bindparam("member"))
        .values(
            tier_code=bindparam("tier"),
            version=_standings.c.version + 1,
            updated_at=func.now(),
        ),
        [{"member": member_id, "tier": code} for member_id, code in moves],
    )
