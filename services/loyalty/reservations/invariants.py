"""The invariants of points at the till, checked against the database.

- ``till_holds``: every reservation has exactly its hold on its account (one ``till_hold``
  entry of minus its points), a release (one ``till_release`` entry of its points) exactly
  when it is released or was released and taken again, and a retake (``till_retake``,
  minus its points less their shortfall) only when it was released and then confirmed by a
  late sale event; no such entry names a reservation that does not exist. So held,
  committed and confirmed points are spent once, released ones given back once.
- ``till_refunds``: on every account, the ``till_refund`` entries add up to the points the
  reservations record as refunded (so no return or void credited the points tender twice,
  and none went missing).

It reads the tables directly: it is an audit over one snapshot, not a use case. The
fault-injection checker and the tests expect no violations.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.accounts.models import LedgerEntry
from services.loyalty.reservations.models import Reservation
from shared.db import AsyncSession

_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_reservations = Reservation.__table__  # type: ignore[attr-defined]


async def till_violations(
    session: AsyncSession, members: Collection[uuid.UUID] | None = None
) -> list[Violation]:
    """Every violation of the till's invariants (see the module), over the accounts
    ``members`` hold (all when None)."""
    scope = Scope(members)
    return [
        *await _holds(session, scope),
        *await _orphans(session, scope),
        *await _refunds(session, scope),
    ]


async def _holds(session: AsyncSession, scope: Scope) -> list[Violation]:
    r = _reservations
    hold = aliased(_ledger, name="hold")
    release = aliased(_ledger, name="release")
    retake = aliased(_ledger, name="retake")
    released = and_(release.c.id.is_not(None), retake.c.id.is_(None))
    query = (
        select(r.c.reservation_id, r.c.points, r.c.status, hold.c.points, release.c.points)
        .outerjoin(
            hold,
            and_(hold.c.source_type == "till_hold", hold.c.source_id == r.c.reservation_id),
        )
        .outerjoin(
            release,
            and_(
                release.c.source_type == "till_release", release.c.source_id == r.c.reservation_id
            ),
        )
        .outerjoin(
            retake,
            and_(retake.c.source_type == "till_retake", retake.c.source_id == r.c.reservation_id),
        )
        .where(
            scope(r.c.account_id),
            or_(
                hold.c.id.is_(None),
                hold.c.points != -r.c.points,
                hold.c.account_id != r.c.account_id,
                (r.c.status == "released") != released,
                and_(release.c.id.is_not(None), release.c.points != r.c.points),
                and_(release.c.id.is_not(None), release.c.account_id != r.c.account_id),
                and_(
                    retake.c.id.is_not(None),
                    or_(
                        release.c.id.is_(None),
                        r.c.status != "confirmed",
                        retake.c.points - retake.c.shortfall != -r.c.points,
                        retake.c.account_id != r.c.account_id,
                    ),
                ),
            ),
        )
    )
    return [
        Violation(
            Invariant.TILL_HOLDS,
            reservation_id,
            f"reservation {reservation_id} ({status}, {points} points) has hold {held} and "
            f"release {released} on its account",
        )
        for reservation_id, points, status, held, released in await session.execute(query)
    ]


async def _orphans(session: AsyncSession, scope: Scope) -> list[Violation]:
    known = select(_reservations.c.reservation_id)
    query = select(_ledger.c.source_type, _ledger.c.source_id).where(
        scope(_ledger.c.account_id),
        _ledger.c.source_type.in_(("till_hold", "till_release", "till_retake")),
        _ledger.c.source_id.not_in(known),
    )
    return [
        Violation(Invariant.TILL_HOLDS, source_id, f"{kind} {source_id} names no reservation")
        for kind, source_id in await session.execute(query)
    ]


async def _refunds(session: AsyncSession, scope: Scope) -> list[Violation]:
    credited = select(
        _ledger.c.account_id, _ledger.c.points.label("points"), literal(0).label("recorded")
    ).where(scope(_ledger.c.account_id), _ledger.c.source_type == "till_refund")
    recorded = select(
        _reservations.c.account_id,
        literal(0).label("points"),
        _reservations.c.refunded_points.label("recorded"),
    ).where(scope(_reservations.c.account_id))
    both = union_all(credited, recorded).subquery()
    query = (
        select(both.c.account_id, func.sum(both.c.points), func.sum(both.c.recorded))
        .group_by(both.c.account_id)
        .having(func.sum(both.c.points) != func.sum(both.c.recorded))
    )
    return [
        Violation(
            Invariant.TILL_REFUNDS,
            account_id,
            f"account {account_id} was credited {points} points of till refunds, its "
            f"reservations record {refunded}",
        )
        for account_id, points, refunded in await session.execute(query)
    ]
