"""Named errors of returns."""

from __future__ import annotations

from shared.errors import Unprocessable


class InvalidReturn(Unprocessable):
    """A return names no line, a line twice, a line the purchase does not have, or a
    quantity below 1."""

    title = "Invalid return"
    slug = "invalid-return"


class ReturnExceedsSold(Unprocessable):
    """A return asks for more units of a line than were sold and not yet returned."""

    title = "Return exceeds what was sold"
    slug = "return-exceeds-sold"


class PurchaseFullyReturned(Unprocessable):
    """`"all": true` for a purchase whose every line has already come back."""

    title = "Purchase already returned in full"
    slug = "purchase-fully-returned"
