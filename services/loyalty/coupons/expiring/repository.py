"""The statement of coupons' expiry notices: the coupons due an announcement, marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import col

from services.loyalty.coupons.models import Coupon, CouponDefinition
from services.loyalty.coupons.repository import ExpiredCoupon
from shared.db import AsyncSession

_coupons = Coupon.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ExpiringCoupon(ExpiredCoupon):
    kind: str
    face_value_fen: int


async def mark_expiring(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[ExpiringCoupon]:
    """Marks announced (``expiring_announced_at = now``) up to ``limit`` active coupons not
    announced before whose validity ends after ``now`` and within their definition's
    ``expiring_notice_days``, the earliest ending first. Rows another transaction holds
    are skipped (a till's hold; the next run finds them if still active), and the
    conditions are checked again under the lock, so each coupon is marked once."""
    notice = func.make_interval(0, 0, 0, col(CouponDefinition.expiring_notice_days))
    due = (
        select(col(Coupon.id))
        .join(CouponDefinition, col(CouponDefinition.id) == col(Coupon.definition_id))
        .where(
            col(Coupon.status) == "active",
            col(Coupon.expiring_announced_at).is_(None),
            col(Coupon.valid_until) > now,
            col(Coupon.valid_until) - notice <= now,
        )
        .order_by(col(Coupon.valid_until), col(Coupon.id))
        .limit(limit)
        .with_for_update(of=_coupons, skip_locked=True)
        .cte("due")
    )
    marked = (
        update(Coupon)
        .where(
            col(Coupon.id) == due.c.id,
            col(Coupon.status) == "active",
            col(Coupon.expiring_announced_at).is_(None),
        )
        .values(expiring_announced_at=now)
        .returning(
            col(Coupon.id),
            col(Coupon.member_id),
            col(Coupon.account_id),
            col(Coupon.definition_id),
            col(Coupon.valid_until),
        )
        .cte("marked")
    )
    query = select(
        marked,
        col(CouponDefinition.name),
        col(CouponDefinition.kind),
        col(CouponDefinition.face_value_fen),
    ).join(CouponDefinition, col(CouponDefinition.id) == marked.c.definition_id)
    return [
        ExpiringCoupon(
            coupon_id=row.id,
            member_id=row.member_id,
            account_id=row.account_id,
            definition_id=row.definition_id,
            definition_name=row.name,
            valid_until=row.valid_until,
            kind=row.kind,
            face_value_fen=row.face_value_fen,
        )
        for row in await session.execute(query)
    ]
