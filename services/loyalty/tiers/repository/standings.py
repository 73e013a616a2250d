"""Queries of members' tier standings and of manual tier assignments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    SmallInteger,
    Table,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Update

from services.loyalty.accounts.service import Along, Param
from services.loyalty.base import transaction_kept
from services.loyalty.tiers.models import (
    TierAssignment,
    TierStanding,
)
from shared.db import AsyncSession, Prepared

_standings: Table = TierStanding.__table__  # type: ignore[attr-defined]
_assignments: Table = TierAssignment.__table__  # type: ignore[attr-defined]
_columns = (
    _standings.c.member_id,
    _standings.c.tier_code,
    _standings.c.qualifying_spend_fen,
    _standings.c.review_at,
    _standings.c.grace_used,
    _standings.c.assigned_until,
)


@dataclass(frozen=True)
class StandingRow:
    member_id: uuid.UUID
    tier_code: str
    qualifying_spend_fen: int
    review_at: datetime | None
    grace_used: int
    assigned_until: datetime | None


_STANDING = select(*_columns).where(_standings.c.member_id == bindparam("member_id", type_=Uuid))
_LOCKED_STANDING = Prepared(_STANDING.with_for_update())
"""Built once: constructing a statement costs more CPU than running it (every earn locks a
standing); the lock, always in a transaction, goes as asyncpg's prepared statement."""


async def standing(
    session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False
) -> StandingRow | None:
    """With ``lock``, a row :func:`lock_in_order` locked and read in this transaction is
    answered from that read (once: the caller is about to write it), without a statement."""
    if lock and (held := _held(session).pop(member_id, None)) is not None:
        return held
    if lock:
        rows = await _LOCKED_STANDING.fetch(session, member_id=member_id)
        return StandingRow(*rows[0]) if rows else None
    row = (await session.execute(_STANDING, {"member_id": member_id})).first()
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
            grace_used=0,
            version=1,
            created_at=func.now(),
            updated_at=func.now(),
        )
        .on_conflict_do_nothing(index_elements=["member_id"])
        .returning(*_columns)
    )
    row = opened.first()
    return StandingRow(*row) if row is not None else None


def save(
    *,
    member_id: uuid.UUID,
    tier_code: str,
    spend_fen: int,
    review_at: datetime | None,
    grace_used: int,
    assigned_until: datetime | None,
) -> Along:
    """The member's new standing, written with a points movement."""
    return Along(
        _save_when,
        {
            "member_id": member_id,
            "tier_code": tier_code,
            "spend_fen": spend_fen,
            "review_at": review_at,
            "grace_used": grace_used,
            "assigned_until": assigned_until,
        },
    )


def _save_when(condition: ColumnElement[bool], param: Param) -> Update:
    moment = DateTime(timezone=True)
    return (
        update(_standings)
        .where(_standings.c.member_id == param("member_id", Uuid()), condition)
        .values(
            tier_code=param("tier_code", _standings.c.tier_code.type),
            qualifying_spend_fen=param("spend_fen", BigInteger()),
            review_at=param("review_at", moment),
            grace_used=param("grace_used", SmallInteger()),
            assigned_until=param("assigned_until", moment),
            version=_standings.c.version + 1,
            updated_at=func.now(),
        )
    )


@dataclass(frozen=True)
class Placement:
    """A standing's new tier and review, its spend unchanged."""

    member_id: uuid.UUID
    tier_code: str
    review_at: datetime | None
    grace_used: int
    assigned_until: datetime | None


async def place(session: AsyncSession, placements: Sequence[Placement]) -> None:
    """Writes standings' tiers and reviews (outside a points movement), spend unchanged."""
    _held(session).clear()  # rows written or locked again: read them anew
    if not placements:
        return
    await session.execute(
        update(_standings)
        .where(_standings.c.member_id == bindparam("member"))
        .values(
            tier_code=bindparam("tier"),
            review_at=bindparam("review_at"),
            grace_used=bindparam("grace_used"),
            assigned_until=bindparam("assigned_until"),
            version=_standings.c.version + 1,
            updated_at=func.now(),
        ),
        [
            {
                "member": p.member_id,
                "tier": p.tier_code,
                "review_at": p.review_at,
                "grace_used": p.grace_used,
                "assigned_until": p.assigned_until,
            }
            for p in placements
        ],
    )


async def standings_off_ladder(session: AsyncSession, codes: Sequence[str]) -> list[StandingRow]:
    _held(session).clear()  # rows written or locked again: read them anew
    query = (
        select(*_columns)
        .where(_standings.c.tier_code.not_in(codes))
        .order_by(_standings.c.member_id)
        .with_for_update()
    )
    return [StandingRow(*row) for row in await session.execute(query)]


async def members_on(
    session: AsyncSession, tier_code: str, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    query = select(_standings.c.member_id).where(_standings.c.tier_code == tier_code)
    if after is not None:
        query = query.where(_standings.c.member_id > after)
    return list((await session.scalars(query.order_by(_standings.c.member_id).limit(limit))).all())


async def standings_due(session: AsyncSession, now: datetime, limit: int) -> list[StandingRow]:
    """Standings whose review or manual assignment is due at ``now``, locked, in member
    order (the lock order of a batch)."""
    _held(session).clear()  # rows written or locked again: read them anew
    due = (_standings.c.review_at <= now) | (_standings.c.assigned_until <= now)
    query = (
        select(*_columns).where(due).order_by(_standings.c.member_id).limit(limit).with_for_update()
    )
    return [StandingRow(*row) for row in await session.execute(query)]


async def set_reviews(
    session: AsyncSession, review_at: datetime | None, *, tiers: Sequence[str]
) -> None:
    """Reviews every standing on one of ``tiers`` at ``review_at`` (None: never), its grace
    restored. Standings under a manual assignment keep theirs (the assignment's end places
    them)."""
    _held(session).clear()  # rows written or locked again: read them anew
    await session.execute(
        update(_standings)
        .where(_standings.c.tier_code.in_(tiers), _standings.c.assigned_until.is_(None))
        .values(
            review_at=review_at,
            grace_used=0,
            version=_standings.c.version + 1,
            updated_at=func.now(),
        )
    )


_IN_ORDER = Prepared(
    select(*_columns)
    .where(_standings.c.member_id == any_(bindparam("members", type_=ARRAY(Uuid))))
    .order_by(_standings.c.member_id)
    .with_for_update()
)


async def locked_standings(
    session: AsyncSession, member_ids: Sequence[uuid.UUID]
) -> list[StandingRow]:
    """These members' standings, locked in member order (the review's order)."""
    if not member_ids:
        return []
    rows = await _IN_ORDER.fetch(session, members=list(member_ids))
    held = _held(session)
    for member_id in member_ids:  # read fresh here; a kept read would be stale once written
        held.pop(member_id, None)
    return [StandingRow(*row) for row in rows]


async def lock_in_order(session: AsyncSession, member_ids: Sequence[uuid.UUID]) -> None:
    """Locks these members' standings in member order, in one statement, and keeps the rows
    for :func:`standing` to answer each one's next lock in this transaction (a consumer's
    batch of purchases, after their accounts: the kernel's order, account then standing)."""
    if member_ids:
        rows = await _IN_ORDER.fetch(session, members=sorted(set(member_ids)))
        _held(session).update((row["member_id"], StandingRow(*row)) for row in rows)


_HELD = "loyalty.tiers.held"


def _held(session: AsyncSession) -> dict[uuid.UUID, StandingRow]:
    """The standings :func:`lock_in_order` read under their lock in this transaction, by
    member, less those locked again or written since (``session.info``)."""
    return transaction_kept(session, _HELD)


# --- assignments ---


async def record_assignment(
    session: AsyncSession,
    *,
    assignment_id: uuid.UUID,
    member_id: uuid.UUID,
    from_tier: str,
    tier_code: str,
    until: datetime,
    reason: str,
    assigned_by: str,
) -> tuple[uuid.UUID, datetime]:
    recorded = await session.execute(
        insert(_assignments)
        .values(
            assignment_id=assignment_id,
            member_id=member_id,
            from_tier=from_tier,
            tier_code=tier_code,
            until=until,
            reason=reason,
            assigned_by=assigned_by,
            assigned_at=func.now(),
        )
        .returning(_assignments.c.assigned_at)
    )
    return assignment_id, recorded.scalar_one()
