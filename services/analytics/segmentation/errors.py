"""Named errors of the segmentation."""

from __future__ import annotations

from shared.errors import Unprocessable


class ScoreOutOfRange(Unprocessable):
    """A score filter (``r``, ``f``, ``m``) is above the number of scores (``bins``)."""

    title = "Score out of range"
    slug = "score-out-of-range"


class ChurnParameterInvalid(Unprocessable):
    """The churn criterion's parameter is outside the bounds that criterion allows."""

    title = "Invalid churn criterion parameter"
    slug = "churn-parameter-invalid"
