"""Named errors of coupons at the till."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class CouponNotFound(NotFound):
    """No coupon of the code on the member's account (the code is checked before any
    lookup; a coupon of another account is not found either)."""

    title = "Coupon not found"
    slug = "coupon-not-found"


class CouponNotApplicable(Unprocessable):
    """The coupon does not apply to the basket (its reason: ``not_yet_valid``,
    ``expired``, ``out_of_store_scope``, ``no_eligible_line``, ``below_threshold``,
    ``no_discount`` or ``gift_not_in_basket``)."""

    title = "Coupon not applicable"
    slug = "coupon-not-applicable"


class CouponNotAvailable(Conflict):
    """The coupon is held for another sale, was used, or has expired: one coupon serves
    one sale."""

    title = "Coupon not available"
    slug = "coupon-not-available"


class CouponReservationNotFound(NotFound):
    """No coupon reservation by this id for the store that asks."""

    title = "Coupon reservation not found"
    slug = "coupon-reservation-not-found"


class CouponReservationNotHeld(Conflict):
    """The coupon reservation cannot do what was asked in its state: committing one that
    was released, ran out or is another sale's; releasing one a recorded sale used (it
    comes back by the sale's return or void, as its definition says)."""

    title = "Coupon reservation not held"
    slug = "coupon-reservation-not-held"


class CouponBasketMismatch(Unprocessable):
    """The sale is not the basket the coupon was priced on, or is another member's."""

    title = "Sale does not match the coupon's basket"
    slug = "coupon-basket-mismatch"
