"""Named errors of the member directory."""

from __future__ import annotations

from shared.errors import Unprocessable


class UnknownMember(Unprocessable):
    """A sale names a member orders does not know (yet: registrations arrive as events)."""

    title = "Unknown member"
    slug = "unknown-member"
