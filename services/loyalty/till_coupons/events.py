"""The till's coupon events (``loyalty.coupon.redeemed``, ``released``), emitted in the
transaction that moves the coupon's status."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.loyalty.base import emit
from services.loyalty.coupons.holds import HeldCoupon
from services.loyalty.till_coupons.domain import ReleaseReason
from services.loyalty.till_coupons.models import CouponRedemption
from shared.db import AsyncSession
from shared.events.coupons import CouponRedeemed, CouponReleased


async def redeemed(
    session: AsyncSession, redemption: CouponRedemption, coupon: HeldCoupon, at: datetime
) -> None:
    assert redemption.purchase_id is not None
    await emit(
        session,
        CouponRedeemed(
            coupon_id=coupon.coupon_id,
            member_id=redemption.member_id,
            account_id=coupon.account_id,
            definition_id=coupon.definition_id,
            reservation_id=redemption.reservation_id,
            purchase_id=redemption.purchase_id,
            store_id=redemption.store_id,
            discount_fen=redemption.discount_fen,
            redeemed_at=at,
        ),
    )


async def released(
    session: AsyncSession,
    redemption: CouponRedemption,
    coupon: HeldCoupon,
    reason: ReleaseReason,
    at: datetime,
    return_id: uuid.UUID | None = None,
) -> None:
    await emit(
        session,
        CouponReleased(
            coupon_id=coupon.coupon_id,
            member_id=redemption.member_id,
            account_id=coupon.account_id,
            definition_id=coupon.definition_id,
            reservation_id=redemption.reservation_id,
            purchase_id=redemption.purchase_id,
            return_id=return_id,
            store_id=redemption.store_id,
            reason=reason,
            valid_until=coupon.valid_until,
            released_at=at,
        ),
    )
