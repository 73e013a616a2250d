"""Named problems of the saved segments."""

from __future__ import annotations

from shared.errors import NotFound


class SegmentNotFound(NotFound):
    """No saved segment with that id (or it was deleted)."""

    title = "Segment not found"
    slug = "segment-not-found"


class SegmentRunNotFound(NotFound):
    """The segment has no run with that id."""

    title = "Segment run not found"
    slug = "segment-run-not-found"
