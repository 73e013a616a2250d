"""Named errors of a sale's tenders."""

from __future__ import annotations

from shared.errors import Unprocessable


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
