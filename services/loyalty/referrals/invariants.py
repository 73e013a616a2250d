"""The invariants of referral rewards, checked against the database.

- ``referral_rewards``: one reward per friend. Each rewarded referral names exactly one
  coupon, granted to its referrer under the grant key ``referral:<id>`` of the
  referral's definition; every coupon granted under such a key belongs to a rewarded
  referral that names it.
- ``referral_months``: each referrer's count of rewards per calendar month of the brand
  (the monthly cap's counter, taken under its row lock) is the number of their referrals
  rewarded in that month; so a cap is never exceeded without this showing.

Over the referrals whose referrer is one of ``members`` (all when None). It reads the
tables directly: it is an audit over one snapshot, not a use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import Date, and_, cast, func, or_, select

from services.loyalty.accounts.invariants import Invariant, Violation
from services.loyalty.coupons.models import Coupon
from services.loyalty.referrals.models import Referral, ReferralMonth
from shared.db import AsyncSession
from shared.inputs import input_defaults

_referrals = Referral.__table__  # type: ignore[attr-defined]
_months = ReferralMonth.__table__  # type: ignore[attr-defined]
_coupons = Coupon.__table__  # type: ignore[attr-defined]


async def referral_violations(
    session: AsyncSession, members: Collection[uuid.UUID] | None = None
) -> list[Violation]:
    """Every violation of the referral invariants (see the module)."""
    return [*await _rewards(session, members), *await _months_counted(session, members)]


async def _rewards(session: AsyncSession, members: Collection[uuid.UUID] | None) -> list[Violation]:
    r, c = _referrals.c, _coupons.c
    key = func.concat("referral:", r.id)
    coupons = select(func.count()).select_from(_coupons).where(c.grant_key == key).scalar_subquery()
    named = (
        select(func.count())
        .select_from(_coupons)
        .where(
            c.id == r.coupon_id,
            c.grant_key == key,
            c.member_id == r.referrer_member_id,
            c.definition_id == r.definition_id,
        )
        .scalar_subquery()
    )
    rewarded = r.state == "rewarded"
    query = select(r.id, r.state, coupons.label("coupons"), named.label("named")).where(
        or_(
            and_(rewarded, or_(coupons != 1, named != 1)),
            and_(~rewarded, coupons != 0),
        ),
    )
    if members is not None:
        query = query.where(r.referrer_member_id.in_(list(members)))
    return [
        Violation(
            Invariant.REFERRAL_REWARDS,
            row.id,
            f"referral {row.id} ({row.state}) has {row.coupons} coupons under its grant key, "
            f"{row.named} of them the one it names",
        )
        for row in await session.execute(query)
    ]


async def _months_counted(
    session: AsyncSession, members: Collection[uuid.UUID] | None
) -> list[Violation]:
    r, m = _referrals.c, _months.c
    zone = input_defaults().business_timezone.key
    month = cast(func.date_trunc("month", func.timezone(zone, r.settled_at)), Date)
    rewarded = (
        select(r.referrer_member_id, month.label("month"), func.count().label("n"))
        .where(r.state == "rewarded")
        .group_by(r.referrer_member_id, month)
        .subquery()
    )
    query = (
        select(
            func.coalesce(m.referrer_member_id, rewarded.c.referrer_member_id).label("referrer"),
            func.coalesce(m.month, rewarded.c.month).label("month"),
            func.coalesce(m.rewarded, 0).label("counted"),
            func.coalesce(rewarded.c.n, 0).label("rewarded"),
        )
        .select_from(
            _months.outerjoin(
                rewarded,
                and_(
                    m.referrer_member_id == rewarded.c.referrer_member_id,
                    m.month == rewarded.c.month,
                ),
                full=True,
            )
        )
        .where(func.coalesce(m.rewarded, 0) != func.coalesce(rewarded.c.n, 0))
    )
    if members is not None:
        referrer = func.coalesce(m.referrer_member_id, rewarded.c.referrer_member_id)
        query = query.where(referrer.in_(list(members)))
    return [
        Violation(
            Invariant.REFERRAL_MONTHS,
            row.referrer,
            f"referrer {row.referrer} counted {row.counted} rewards in {row.month}, "
            f"was rewarded {row.rewarded}",
        )
        for row in await session.execute(query)
    ]
