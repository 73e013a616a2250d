"""Named errors of the orders service, each with a stable problem type."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class UnknownMember(Unprocessable):
    """The sale names a member orders does not know (yet: registrations arrive as events)."""

    title = "Unknown member"
    slug = "unknown-member"


class SaleTimeOutOfRange(Unprocessable):
    """`purchased_at` is further ahead of the server clock than the allowed skew."""

    title = "Sale time out of range"
    slug = "sale-time-out-of-range"


class InvalidReturn(Unprocessable):
    """A return names lines or quantities the purchase cannot give back."""

    title = "Invalid return"
    slug = "invalid-return"


class PurchaseNotFound(NotFound):
    """No purchase with this id at the calling store."""

    title = "Purchase not found"
    slug = "purchase-not-found"
