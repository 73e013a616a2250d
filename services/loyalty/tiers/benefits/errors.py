"""Named errors of benefits per tier."""

from __future__ import annotations

from shared.errors import Unprocessable


class InvalidTierBenefits(Unprocessable):
    """Tier benefits name a tier not on the ladder, or one tier twice."""

    title = "Invalid tier benefits"
    slug = "invalid-tier-benefits"
