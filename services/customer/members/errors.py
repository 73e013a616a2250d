"""Named errors of members, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound


class PhoneRegistered(Conflict):
    """A registration gives a phone number (typed any way) that a member already has."""

    title = "Phone number already registered"
    slug = "phone-registered"


class MemberNotFound(NotFound):
    """A member id names no member."""

    title = "Member not found"
    slug = "member-not-found"
