"""Named errors of the member summary."""

from __future__ import annotations

from shared.errors import NotFound


class MemberSummaryNotFound(NotFound):
    """Analytics has received no event about this member (none yet, or the id is unknown)."""

    title = "No summary for this member"
    slug = "member-summary-not-found"
