"""Named errors of tier standings."""

from __future__ import annotations

from shared.errors import Unprocessable


class QualifyingSpendLimitReached(Unprocessable):
    """A purchase would take a member's qualifying spend past ``MAX_RUNNING_FEN``
    (2^53 - 1 fen); the purchase is not applied."""

    title = "Qualifying spend limit reached"
    slug = "qualifying-spend-limit-reached"
