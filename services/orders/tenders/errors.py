"""Named errors of a sale's tenders and of what orders asks loyalty for a till."""

from __future__ import annotations

from shared.errors import NotFound, ServiceUnavailable, Unprocessable


class TenderNotAccepted(Unprocessable):
    """A tender of a kind the contract defines but orders does not take yet: stored value,
    points and vouchers are reserved and committed by loyalty (issues 12 and 14); only
    cash and card are accepted now."""

    title = "Tender not accepted yet"
    slug = "tender-not-accepted"


class TendersDoNotAddUp(Unprocessable):
    """A sale's tenders pay less than its total, or more where no change can be given: a
    voucher or a card larger than what is left to pay, a second cash tender, cash when
    nothing is left to pay in cash."""

    title = "Tenders do not add up"
    slug = "tenders-do-not-add-up"


class LoyaltyUnavailable(ServiceUnavailable):
    """Loyalty did not answer in time (down, or too slow): nothing was spent or redeemed. A
    hold loyalty made before its answer was lost goes to a retry with the same key, or runs
    out (the till policy's hold). A sale that is not recorded may leave the points, stored
    value or coupon it committed held for its receipt number until orders' undo or, after
    the till policy's grace, loyalty's sweep gives them back; a sale recorded later under
    that receipt number uses only the coupons and reservations it names. The sale can go
    through without them (pay with cash or card), and a till that asked for a member's
    benefits serves them without."""

    title = "Loyalty unavailable"
    slug = "loyalty-unavailable"


class PointsRefused(Unprocessable):
    """Loyalty refused the points: a reservation that is not held any more, for another
    member or another amount, past the till policy's share, or more points than the member
    has. ``cause`` is loyalty's problem type, ``detail`` its words."""

    title = "Points refused"
    slug = "points-refused"


class CouponRefused(Unprocessable):
    """Loyalty refused the coupon: not the member's, not applicable to the basket, held
    for another sale or used, a hold that ran out, or a sale that is not the basket it was
    held for. ``cause`` is loyalty's problem type, ``detail`` its words."""

    title = "Coupon refused"
    slug = "coupon-refused"


class DepositRefused(Unprocessable):
    """Loyalty refused a deposit into a member's wallet (no loyalty account for the member
    yet). ``cause`` is loyalty's problem type, ``detail`` its words."""

    title = "Deposit refused"
    slug = "deposit-refused"


class BenefitsNotFound(NotFound):
    """A till asks for the benefits of a member orders does not know (yet: registrations
    arrive as events, within about a second), or one loyalty has no account for (then
    ``cause`` is loyalty's problem type)."""

    title = "No benefits for this member"
    slug = "benefits-not-found"
