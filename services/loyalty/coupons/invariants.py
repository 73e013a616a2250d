"""Coupons' invariants, checked against the database: their part of
:func:`services.loyalty.points.invariants.check_ledger_invariants`.

- ``coupon_issues``: every definition's ``issued`` is the number of coupons granted of it,
  at most its quantity, and ``issued × face value`` at most its budget;
- ``coupon_member_limit``: no member holds more coupons of a definition than its
  per-member limit;
- ``coupon_batch_grants``: every member a bulk grant settled as granted names a coupon of
  the batch's definition, to that member, under the batch's grant key.

Scoped to some members' accounts, it checks the definitions they hold coupons of. It reads
the tables directly: it is an audit, not a use case.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.coupons.batches.models import GrantBatch, GrantItem
from services.loyalty.coupons.models import Coupon, CouponDefinition
from shared.db import AsyncSession

_definitions = CouponDefinition.__table__  # type: ignore[attr-defined]
_coupons = Coupon.__table__  # type: ignore[attr-defined]
_batches = GrantBatch.__table__  # type: ignore[attr-defined]
_items = GrantItem.__table__  # type: ignore[attr-defined]


async def coupon_violations(session: AsyncSession, scope: Scope) -> list[Violation]:
    """Every violation of the coupons' invariants (see the module)."""
    return [
        *await _issues(session, scope),
        *await _member_limits(session, scope),
        *await _batch_grants(session, scope),
    ]


async def _issues(session: AsyncSession, scope: Scope) -> list[Violation]:
    granted = (
        select(_coupons.c.definition_id, func.count().label("n"))
        .group_by(_coupons.c.definition_id)
        .subquery()
    )
    count = func.coalesce(granted.c.n, 0)
    d = _definitions.c
    held = select(_coupons.c.definition_id).where(scope(_coupons.c.account_id))
    query = (
        select(d.id, d.issued, d.quantity, d.budget_fen, d.face_value_fen, count.label("n"))
        .outerjoin(granted, granted.c.definition_id == d.id)
        .where(
            or_(
                d.issued != count,
                d.issued > func.coalesce(d.quantity, d.issued),
                d.issued * d.face_value_fen
                > func.coalesce(d.budget_fen, d.issued * d.face_value_fen),
            )
        )
    )
    if scope.restricted:
        query = query.where(d.id.in_(held))
    return [
        Violation(
            Invariant.COUPON_ISSUES,
            row.id,
            f"definition {row.id}: issued {row.issued}, granted {row.n}, quantity "
            f"{row.quantity}, {row.issued} × {row.face_value_fen} fen against budget "
            f"{row.budget_fen}",
        )
        for row in await session.execute(query)
    ]


async def _member_limits(session: AsyncSession, scope: Scope) -> list[Violation]:
    c, d = _coupons.c, _definitions.c
    query = (
        select(c.definition_id, c.member_id, func.count().label("n"), d.per_member_limit)
        .join(_definitions, d.id == c.definition_id)
        .where(scope(c.account_id))
        .group_by(c.definition_id, c.member_id, d.per_member_limit)
        .having(func.count() > d.per_member_limit)
    )
    return [
        Violation(
            Invariant.COUPON_MEMBER_LIMIT,
            row.member_id,
            f"member {row.member_id} holds {row.n} of definition {row.definition_id}, "
            f"limit {row.per_member_limit}",
        )
        for row in await session.execute(query)
    ]


async def _batch_grants(session: AsyncSession, scope: Scope) -> list[Violation]:
    i, b, c = _items.c, _batches.c, _coupons.c
    query = (
        select(i.batch_id, i.member_id, i.coupon_id)
        .join(_batches, b.id == i.batch_id)
        .outerjoin(_coupons, c.id == i.coupon_id)
        .where(
            i.status == "granted",
            or_(
                c.id.is_(None),
                c.definition_id != b.definition_id,
                c.member_id != i.member_id,
                c.grant_key != b.grant_key,
            ),
        )
    )
    if scope.restricted:
        held = select(_coupons.c.member_id).where(scope(_coupons.c.account_id))
        query = query.where(i.member_id.in_(held))
    return [
        Violation(
            Invariant.COUPON_BATCH_GRANTS,
            row.member_id,
            f"batch {row.batch_id} granted member {row.member_id} coupon {row.coupon_id}, "
            "which is not theirs of the batch's definition and key",
        )
        for row in await session.execute(query)
    ]
