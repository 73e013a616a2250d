"""Named errors of members, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class PhoneRegistered(Conflict):
    """A registration gives a phone number (typed any way) that a member already has."""

    title = "Phone number already registered"
    slug = "phone-registered"


class MemberNotFound(NotFound):
    """A member id names no member."""

    title = "Member not found"
    slug = "member-not-found"


class ReferralCodeUnknown(Unprocessable):
    """A registration names a well-formed referral code that no member has."""

    title = "Unknown referral code"
    slug = "referral-code-unknown"


class SelfReferral(Unprocessable):
    """A registration names the referral code of the member who has its phone number:
    nobody refers themself."""

    title = "Self-referral"
    slug = "self-referral"
