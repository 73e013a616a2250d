"""Queries of tier standings, the policy, qualifying purchases and assignments."""

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
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Insert, Update

from services.loyalty.accounts.service import Along, Param
from services.loyalty.tiers.domain import Measures, Policy
from services.loyalty.tiers.models import (
    QualifyingPurchase,
    TierAssignment,
    TierPolicy,
    TierStanding,
)
from shared.db import AsyncSession

_standings: Table = TierStanding.__table__  # type: ignore[attr-defined]
_policy: Table = TierPolicy.__table__  # type: ignore[attr-defined]
_qualifying: Table = QualifyingPurchase.__table__  # type: ignore[attr-defined]
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


# --- the policy ---


async def policy(session: AsyncSession, *, lock: bool = False) -> Policy:
    query = select(_policy).where(_policy.c.id == 1)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).one()
    return Policy(
        qualify_by=row.qualify_by,
        window=row.window_kind,
        window_months=row.window_months,
        grace_periods=row.grace_periods,
        purchase_thresholds={code: int(n) for code, n in row.purchase_thresholds.items()},
    )


async def save_policy(session: AsyncSession, policy: Policy) -> datetime:
    saved = await session.execute(
        update(_policy)
        .where(_policy.c.id == 1)
        .values(
            qualify_by=policy.qualify_by,
            window_kind=policy.window,
            window_months=policy.window_months,
            grace_periods=policy.grace_periods,
            purchase_thresholds=dict(policy.purchase_thresholds),
            updated_at=func.now(),
        )
        .returning(_policy.c.updated_at)
    )
    updated_at: datetime = saved.scalar_one()
    return updated_at


async def policy_updated_at(session: AsyncSession) -> datetime:
    updated_at: datetime = (await session.execute(select(_policy.c.updated_at))).scalar_one()
    return updated_at


# --- qualifying purchases ---


def record_qualifying(
    *,
    purchase_id: uuid.UUID,
    account_id: uuid.UUID,
    member_id: uuid.UUID,
    purchased_at: datetime,
    total_fen: int,
) -> Along:
    """The purchase as qualification counts it, written with its earn entry."""
    return Along(
        _record_qualifying_when,
        {
            "purchase_id": purchase_id,
            "account_id": account_id,
            "member_id": member_id,
            "purchased_at": purchased_at,
            "total_fen": total_fen,
            "returned_fen": 0,
        },
    )


def _record_qualifying_when(condition: ColumnElement[bool], param: Param) -> Insert:
    names = ("purchase_id", "account_id", "member_id", "purchased_at", "total_fen", "returned_fen")
    values = [param(name, _qualifying.c[name].type) for name in names]
    return insert(_qualifying).from_select(list(names), select(*values).where(condition))


def count_returned(*, purchase_id: uuid.UUID, returned_fen: int) -> Along:
    """A return's (or void's) refund off the qualifying purchase, with its reversal entry."""
    return Along(_count_returned_when, {"purchase_id": purchase_id, "returned_fen": returned_fen})


def _count_returned_when(condition: ColumnElement[bool], param: Param) -> Update:
    return (
        update(_qualifying)
        .where(_qualifying.c.purchase_id == param("purchase_id", Uuid()), condition)
        .values(returned_fen=_qualifying.c.returned_fen + param("returned_fen", BigInteger()))
    )


@dataclass(frozen=True)
class QualifyingRow:
    account_id: uuid.UUID
    purchased_at: datetime
    total_fen: int
    returned_fen: int


async def qualifying_purchase(
    session: AsyncSession, purchase_id: uuid.UUID
) -> QualifyingRow | None:
    query = select(
        _qualifying.c.account_id,
        _qualifying.c.purchased_at,
        _qualifying.c.total_fen,
        _qualifying.c.returned_fen,
    ).where(_qualifying.c.purchase_id == purchase_id)
    row = (await session.execute(query)).first()
    return QualifyingRow(*row) if row is not None else None


async def measures(
    session: AsyncSession, account_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> Measures:
    """Net spend and purchases still counting of the account's purchases made in
    ``[start, end)`` (an open side when None)."""
    return await _measures(session, _qualifying.c.account_id == account_id, start, end)


async def member_measures(
    session: AsyncSession, member_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> Measures:
    """The same of the member's own purchases, whichever account they earned on."""
    return await _measures(session, _qualifying.c.member_id == member_id, start, end)


async def _measures(
    session: AsyncSession,
    whose: ColumnElement[bool],
    start: datetime | None,
    end: datetime | None,
) -> Measures:
    net = _qualifying.c.total_fen - _qualifying.c.returned_fen
    query = select(
        func.coalesce(func.sum(net), 0),
        func.count().filter(_qualifying.c.returned_fen < _qualifying.c.total_fen),
    ).where(whose)
    if start is not None:
        query = query.where(_qualifying.c.purchased_at >= start)
    if end is not None:
        query = query.where(_qualifying.c.purchased_at < end)
    spend, count = (await session.execute(query)).one()
    return Measures(int(spend), int(count))


async def spenders(
    session: AsyncSession, start: datetime, end: datetime, at_least: int
) -> list[tuple[uuid.UUID, int]]:
    """``(member_id, spend_fen)``, by member, of each member's own purchases in ``[start,
    end)`` net of returns, where that spend is at least ``at_least``."""
    spend = func.sum(_qualifying.c.total_fen - _qualifying.c.returned_fen)
    query = (
        select(_qualifying.c.member_id, spend)
        .where(_qualifying.c.purchased_at >= start, _qualifying.c.purchased_at < end)
        .group_by(_qualifying.c.member_id)
        .having(spend >= at_least)
        .order_by(_qualifying.c.member_id)
    )
    return [(row[0], int(row[1])) for row in await session.execute(query)]


async def locked_standings(
    session: AsyncSession, member_ids: Sequence[uuid.UUID]
) -> list[StandingRow]:
    """These members' standings, locked in member order (the review's order)."""
    if not member_ids:
        return []
    query = (
        select(*_columns)
        .where(_standings.c.member_id.in_(member_ids))
        .order_by(_standings.c.member_id)
        .with_for_update()
    )
    return [StandingRow(*row) for row in await session.execute(query)]


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
