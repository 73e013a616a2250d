"""Named errors of the profile lifecycle, each with a stable problem type."""

from __future__ import annotations

from typing import ClassVar

from shared.errors import Conflict, Forbidden, ProblemError


class PreconditionRequired(ProblemError):
    """A profile edit without ``If-Match``: it must name the version it was made from."""

    status: ClassVar[int] = 428
    title = "If-Match required"
    slug = "if-match-required"


class VersionMismatch(ProblemError):
    """``If-Match`` names a version the profile no longer has: someone changed it since it
    was read. Read it again (the current ``ETag`` comes with the answer) and redo the edit."""

    status: ClassVar[int] = 412
    title = "Profile changed since it was read"
    slug = "profile-version-mismatch"


class FieldForStaff(Forbidden):
    """A member's own edit names a field only staff may change (birthday, store,
    restriction)."""

    title = "Field changed by staff only"
    slug = "field-for-staff"


class MemberLocked(Conflict):
    """The profile is locked (加锁): it cannot be erased, merged or deactivated until
    staff unlock it."""

    title = "Member locked"
    slug = "member-locked"


class MemberInactive(Conflict):
    """The member was deactivated: their profile, consent and card no longer change."""

    title = "Member inactive"
    slug = "member-inactive"
