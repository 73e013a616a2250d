"""Named errors of a sale's discounts."""

from __future__ import annotations

from shared.errors import Unprocessable


class InvalidDiscount(Unprocessable):
    """A discount names a line the sale does not have, or a line twice."""

    title = "Invalid discount"
    slug = "invalid-discount"


class DiscountExceedsLines(Unprocessable):
    """A discount is larger than the lines it applies to, or the discounts of a line add up
    to more than the line's amount: a sale never pays below zero."""

    title = "Discount exceeds its lines"
    slug = "discount-exceeds-lines"
