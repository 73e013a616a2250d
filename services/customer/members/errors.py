"""Named errors of members, each with a stable problem type."""

from __future__ import annotations

from typing import ClassVar

from shared.errors import Conflict, NotFound, ProblemError, Unprocessable


class PhoneRegistered(Conflict):
    """A registration gives a phone number (typed any way) that a member already has."""

    title = "Phone number already registered"
    slug = "phone-registered"


class MemberNotFound(NotFound):
    """A member id names no member."""

    title = "Member not found"
    slug = "member-not-found"


class MemberErased(ProblemError):
    """The member was erased (PIPL art. 47): only a tombstone of their id is left, and
    nothing about them can be read or changed."""

    status: ClassVar[int] = 410
    title = "Member erased"
    slug = "member-erased"


class ReferralCodeUnknown(Unprocessable):
    """A registration names a well-formed referral code that no member has."""

    title = "Unknown referral code"
    slug = "referral-code-unknown"


class SelfReferral(Unprocessable):
    """A registration names the referral code of the member who has its phone number:
    nobody refers themself."""

    title = "Self-referral"
    slug = "self-referral"
