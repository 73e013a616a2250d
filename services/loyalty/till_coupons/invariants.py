"""The invariants of coupons at the till, checked against the database.

- ``coupon_single_use``: no coupon has more than one redemption held, committed or
  confirmed (the unique partial index backs it), so a coupon is redeemed at most once at
  a time, and again only after a return gave it back;
- ``coupon_redemptions``: a coupon's status agrees with its redemptions: ``reserved``
  exactly when one is held or committed, ``redeemed`` exactly when one is confirmed, and
  a confirmed one names its sale;
- ``coupon_holds``: a hold's coupons are held or committed together: while any of them
  is held or committed, all are, in the same status, for the same sale (a stack is
  never used in part).

It reads the tables directly: it is an audit over one snapshot, not a use case. The
fault-injection checker and the tests expect no violations.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import and_, column, func, or_, select, table

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.till_coupons.models import CouponRedemption
from shared.db import AsyncSession

_redemptions = CouponRedemption.__table__  # type: ignore[attr-defined]
_coupons = table("coupons", column("id"), column("status"), column("account_id"), schema="loyalty")


async def coupon_till_violations(
    session: AsyncSession, members: Collection[uuid.UUID] | None = None
) -> list[Violation]:
    """Every violation of the invariants (see the module), over the coupons on the
    accounts ``members`` hold (all when None)."""
    scope = Scope(members)
    r, c = _redemptions.c, _coupons.c
    in_use = (
        select(r.coupon_id, func.count().label("n"))
        .where(r.status.in_(("held", "committed", "confirmed")))
        .group_by(r.coupon_id)
        .having(func.count() > 1)
        .where(scope(r.account_id))
    )
    violations = [
        Violation(
            Invariant.COUPON_SINGLE_USE,
            row.coupon_id,
            f"coupon {row.coupon_id} has {row.n} redemptions in use",
        )
        for row in await session.execute(in_use)
    ]
    held = func.count().filter(r.status.in_(("held", "committed")))
    confirmed = func.count().filter(r.status == "confirmed")
    unnamed = func.count().filter(and_(r.status == "confirmed", r.purchase_id.is_(None)))
    agree = (
        select(c.id, c.status, held.label("held"), confirmed.label("confirmed"))
        .select_from(_coupons.outerjoin(_redemptions, r.coupon_id == c.id))
        .where(scope(c.account_id))
        .group_by(c.id, c.status)
        .having(
            or_(
                (c.status == "reserved") != (held == 1),
                (c.status == "redeemed") != (confirmed == 1),
                unnamed > 0,
            )
        )
    )
    violations += await _split_holds(session, scope)
    violations += [
        Violation(
            Invariant.COUPON_REDEMPTIONS,
            row.id,
            f"coupon {row.id} is {row.status} with {row.held} held or committed and "
            f"{row.confirmed} confirmed redemptions",
        )
        for row in await session.execute(agree)
    ]
    return violations


async def _split_holds(session: AsyncSession, scope: Scope) -> list[Violation]:
    r = _redemptions.c
    in_use = func.count().filter(r.status.in_(("held", "committed")))
    split = (
        select(r.hold_id, func.string_agg(r.status, ", ").label("statuses"))
        .where(scope(r.account_id))
        .group_by(r.hold_id)
        .having(
            and_(
                in_use > 0,
                or_(
                    func.count(r.status.distinct()) > 1,
                    func.count(r.purchase_id.distinct()) > 1,
                    and_(func.count(r.purchase_id) > 0, func.count(r.purchase_id) < func.count()),
                ),
            )
        )
    )
    return [
        Violation(
            Invariant.COUPON_HOLDS,
            row.hold_id,
            f"hold {row.hold_id} is used in part: its coupons are {row.statuses}",
        )
        for row in await session.execute(split)
    ]
