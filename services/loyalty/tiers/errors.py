"""Named errors of tier standings."""

from __future__ import annotations

from shared.errors import Unprocessable


class QualifyingSpendLimitReached(Unprocessable):
    """A purchase would take a member's qualifying spend past ``MAX_RUNNING_FEN``
    (2^53 - 1 fen); the purchase is not applied."""

    title = "Qualifying spend limit reached"
    slug = "qualifying-spend-limit-reached"


class InvalidTierPolicy(Unprocessable):
    """A tier policy names a tier not on the ladder, has purchase thresholds that do not
    rise with the ladder, lacks one a tier needs, or gives ``window_months`` without a
    rolling window (or the other way round)."""

    title = "Invalid tier policy"
    slug = "invalid-tier-policy"


class InvalidAssignmentEnd(Unprocessable):
    """A manual assignment's last day is before today or more than 5 years ahead (in the
    brand's timezone)."""

    title = "Invalid assignment end"
    slug = "invalid-assignment-end"
