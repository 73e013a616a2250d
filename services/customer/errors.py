"""Named errors of the customer service, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class PhoneRegistered(Conflict):
    """Phone numbers are unique among members."""

    title = "Phone number already registered"
    slug = "phone-registered"


class MemberNotFound(NotFound):
    """No member has this id."""

    title = "Member not found"
    slug = "member-not-found"


class LookupNeedsKey(Unprocessable):
    """A member lookup names neither a phone number nor a card number."""

    title = "Lookup needs a phone or card number"
    slug = "lookup-needs-key"
