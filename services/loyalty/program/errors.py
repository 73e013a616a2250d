"""Named errors of the program's configuration."""

from __future__ import annotations

from shared.errors import Unprocessable


class InvalidLadder(Unprocessable):
    """A new tier ladder repeats a code, has no single base tier at 0 fen, or its
    thresholds do not rise strictly in list order."""

    title = "Invalid tier ladder"
    slug = "invalid-tier-ladder"


class UnknownTier(Unprocessable):
    """A tier code that is not on the ladder: in an earning rule's multipliers, tier
    coupons or an audience's tiers."""

    title = "Unknown tier"
    slug = "unknown-tier"
