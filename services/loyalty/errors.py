"""Named errors of the loyalty service, each with a stable problem type."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class InsufficientPoints(Unprocessable):
    """A redemption asks for more points than the balance holds."""

    title = "Insufficient points"
    slug = "insufficient-points"


class AccountNotFound(NotFound):
    title = "No loyalty account"
    slug = "account-not-found"


class InvalidLadder(Unprocessable):
    title = "Invalid tier ladder"
    slug = "invalid-tier-ladder"


class UnknownTier(Unprocessable):
    title = "Unknown tier"
    slug = "unknown-tier"
