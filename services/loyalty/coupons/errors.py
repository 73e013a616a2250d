"""Named errors of coupons."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


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


class CouponBandRuleNotFound(NotFound):
    """No yearly-spend band rule has the id in the path (or it never ran for the year)."""

    title = "No such coupon band rule"
    slug = "coupon-band-rule-not-found"


class CouponBandYearAhead(Unprocessable):
    """A band rule was asked to run for a year that has not begun in the brand's timezone."""

    title = "Year not begun"
    slug = "coupon-band-year-ahead"
