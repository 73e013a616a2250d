"""Named errors of the member directory as stores use it."""

from __future__ import annotations

from shared.errors import ProblemError


class TooManyMemberMisses(ProblemError):
    """The store named more members nobody answers to (card numbers, phones, member ids)
    than ``member_misses_per_store`` allows: its lookups of members are refused until
    ``Retry-After`` seconds have passed, so a store cannot learn who is a member by trying
    numbers in a row. Nothing of the request was saved."""

    status = 429
    title = "Too many unknown members"
    slug = "too-many-member-misses"
