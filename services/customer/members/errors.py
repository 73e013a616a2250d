"""Named errors of members, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class PhoneRegistered(Conflict):
    """Phone numbers are unique among members."""

    title = "Phone number already registered"
    slug = "phone-registered"


class MemberNotFound(NotFound):
    title = "Member not found"
    slug = "member-not-found"


class LookupNeedsKey(Unprocessable):
    title = "Lookup needs a phone or card number"
    slug = "lookup-needs-key"
