"""Named errors of yearly-spend band rules."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class CouponBandRuleNotFound(NotFound):
    """No yearly-spend band rule has the id in the path (or it never ran for the year)."""

    title = "No such coupon band rule"
    slug = "coupon-band-rule-not-found"


class CouponBandYearAhead(Unprocessable):
    """A band rule was asked to run for a year that has not begun in the brand's timezone."""

    title = "Year not begun"
    slug = "coupon-band-year-ahead"
