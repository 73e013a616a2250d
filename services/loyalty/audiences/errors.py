"""Named problems of the audiences."""

from __future__ import annotations

from shared.errors import Unprocessable


class UnknownSegment(Unprocessable):
    """An audience names an analytics saved segment loyalty has not been told of: none of
    its runs was published yet, or it was deleted."""

    title = "Unknown segment"
    slug = "unknown-segment"
