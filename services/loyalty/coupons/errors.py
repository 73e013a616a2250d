"""Named errors of coupons."""

from __future__ import annotations

from shared.errors import NotFound


class CouponDefinitionNotFound(NotFound):
    """No coupon definition has the id in the path."""

    title = "No such coupon definition"
    slug = "coupon-definition-not-found"
