"""Named problems of the tier chain."""

from __future__ import annotations

from shared.errors import Unprocessable


class TierRangeInvalid(Unprocessable):
    """The months of a tier chain do not make a past range: ``to`` not after ``from``,
    more than ``MAX_MONTHS`` months, or ``to`` a month not yet begun (the brand's)."""

    title = "Invalid tier chain range"
    slug = "clv-tier-range-invalid"
