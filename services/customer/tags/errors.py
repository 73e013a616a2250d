"""Named errors of tags, and of bulk assignments (tags and categories alike)."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class TagNotFound(NotFound):
    """A tag id names no tag (or a deleted one)."""

    title = "Tag not found"
    slug = "tag-not-found"


class TagNameTaken(Conflict):
    """Another tag has this name, compared case-insensitively (``VIP`` and ``vip`` clash)."""

    title = "Tag name taken"
    slug = "tag-name-taken"


class MemberInactive(Unprocessable):
    """A bulk assignment adds a deactivated member, whose profile no longer changes;
    nothing was written."""

    title = "Member deactivated"
    slug = "assigned-member-inactive"
