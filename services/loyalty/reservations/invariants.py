"""The invariants of points at the till, checked against the database.

- ``till_holds``: every reservation has exactly its hold on its account (one ``till_hold``
  entry of minus its points), a release (one ``till_release`` entry of its points) exactly
  when it is released or was released and taken again, and a retake (``till_retake``,
  minus its points less their shortfall) only when it was released and then confirmed by a
  late sale event; no such entry names a reservation that does not exist. So held,
  committed and confirmed points are spent once, released ones given back once.
- ``till_refunds``: every ``till_refund`` entry is one the reservations recorded (in
  ``till_refunds``, with its points), and each reservation's recorded refunds add up to
  what it says it refunded (so no return or void credited the points tender twice, and
  none went missing).

A release, retake or refund lands where the reservation's account's points were when it
was made: on that account, or on the household account it was pooled into at the time (a
member who joined or left a household between hold and release). Each entry is checked
against the account :func:`~services.loyalty.accounts.pools.invariants.account_at` gives
for its position in the ledger.

It reads the tables directly: it is an audit over one snapshot, not a use case. The
fault-injection checker and the tests expect no violations.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.accounts.models import LedgerEntry
from services.loyalty.accounts.pools.invariants import account_at
from services.loyalty.reservations.models import Reservation, TillRefund
from shared.db import AsyncSession

_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_reservations = Reservation.__table__  # type: ignore[attr-defined]
_refunded = TillRefund.__table__  # type: ignore[attr-defined]


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
            r.c.tender == "points",  # stored value: services.loyalty.wallets.invariants
            or_(
                hold.c.id.is_(None),
                hold.c.points != -r.c.points,
                hold.c.account_id != r.c.account_id,
                (r.c.status == "released") != released,
                and_(release.c.id.is_not(None), release.c.points != r.c.points),
                and_(
                    release.c.id.is_not(None),
                    release.c.account_id != account_at(r.c.account_id, release.c.seq),
                ),
                and_(
                    retake.c.id.is_not(None),
                    or_(
                        release.c.id.is_(None),
                        r.c.status != "confirmed",
                        retake.c.points - retake.c.shortfall != -r.c.points,
                        retake.c.account_id != account_at(r.c.account_id, retake.c.seq),
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
            f"release {released} where its account's points were then",
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
    return [*await _refund_entries(session, scope), *await _refund_sums(session, scope)]


async def _refund_entries(session: AsyncSession, scope: Scope) -> list[Violation]:
    """Each ``till_refund`` entry: recorded for a reservation, with its points, on the
    account the reservation's points were on then."""
    e, t, r = _ledger, _refunded, _reservations
    query = (
        select(e.c.source_id, e.c.account_id, e.c.points, t.c.reservation_id, t.c.points)
        .outerjoin(t, t.c.source_id == e.c.source_id)
        .outerjoin(r, r.c.reservation_id == t.c.reservation_id)
        .where(
            e.c.source_type == "till_refund",
            or_(scope(e.c.account_id), scope(r.c.account_id)),
            or_(
                r.c.reservation_id.is_(None),
                t.c.points != e.c.points,
                e.c.account_id != account_at(r.c.account_id, e.c.seq),
            ),
        )
    )
    return [
        Violation(
            Invariant.TILL_REFUNDS,
            source_id,
            f"till refund {source_id} credited {points} points to account {account_id}; "
            + (
                "no reservation recorded it"
                if reservation_id is None
                else f"reservation {reservation_id} recorded it as {recorded} points, to "
                "land where the reservation's account's points were then"
            ),
        )
        for source_id, account_id, points, reservation_id, recorded in await session.execute(query)
    ]


async def _refund_sums(session: AsyncSession, scope: Scope) -> list[Violation]:
    """Each reservation's recorded refunds: entries of the ledger, adding up to what the
    reservation says it refunded."""
    r, t = _reservations, _refunded
    e = aliased(_ledger, name="credit")
    recorded = func.coalesce(func.sum(t.c.points), 0)
    query = (
        select(r.c.reservation_id, r.c.refunded_points, recorded)
        .outerjoin(t, t.c.reservation_id == r.c.reservation_id)
        .outerjoin(e, and_(e.c.source_type == "till_refund", e.c.source_id == t.c.source_id))
        .where(scope(r.c.account_id))
        .group_by(r.c.reservation_id, r.c.refunded_points)
        .having(
            or_(
                r.c.refunded_points != recorded,
                func.count(t.c.source_id) != func.count(e.c.id),
            )
        )
    )
    return [
        Violation(
            Invariant.TILL_REFUNDS,
            reservation_id,
            f"reservation {reservation_id} records {refunded} points refunded, its "
            f"recorded till refunds give back {given}",
        )
        for reservation_id, refunded, given in await session.execute(query)
    ]
