"""Named errors of coupons."""

from __future__ import annotations

from shared.errors import Conflict, NotFound


class CouponDefinitionNotFound(NotFound):
    """No coupon definition has the id in the path."""

    title = "No such coupon definition"
    slug = "coupon-definition-not-found"


class CouponsExhausted(Conflict):
    """The definition's quantity or budget has no room for another coupon."""

    title = "Coupons exhausted"
    slug = "coupons-exhausted"


class CouponLimitReached(Conflict):
    """The member holds as many coupons of the definition as its per-member limit allows."""

    title = "Coupon limit reached"
    slug = "coupon-limit-reached"


class CouponDefinitionEnded(Conflict):
    """The definition's fixed validity window has ended: a coupon granted now is void."""

    title = "Coupon definition ended"
    slug = "coupon-definition-ended"


class CouponGrantBatchNotFound(NotFound):
    """No bulk grant of the definition has the id in the path."""

    title = "No such coupon grant batch"
    slug = "coupon-grant-batch-not-found"
