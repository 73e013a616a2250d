"""Named errors of the loyalty service, each with a stable problem type."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class InsufficientPoints(Unprocessable):
    """A redemption asks for more points than the balance holds."""

    title = "Insufficient points"
    slug = "insufficient-points"


class AccountNotFound(NotFound):
    """The member has no loyalty account (yet: accounts open when registrations arrive)."""

    title = "No loyalty account"
    slug = "account-not-found"


class InvalidLadder(Unprocessable):
    """A tier ladder without a base tier at 0 fen, or with repeated codes or thresholds."""

    title = "Invalid tier ladder"
    slug = "invalid-tier-ladder"


class UnknownTier(Unprocessable):
    """An earning rule names a tier the ladder does not have."""

    title = "Unknown tier"
    slug = "unknown-tier"
