"""Named errors of member search, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, Unprocessable


class UnsearchableQuery(Unprocessable):
    """``q`` is digits that are neither a mobile number nor a card number, so it can match
    no member."""

    title = "Unsearchable query"
    slug = "unsearchable-query"


class SearchParametersClash(Unprocessable):
    """A member list names ``q`` together with ``name``, ``initial``, ``phone`` or
    ``card_number``, or a phone or card lookup together with a name or an initial."""

    title = "Search parameters that cannot be combined"
    slug = "search-parameters-clash"


class PinLimitReached(Conflict):
    """A staff user pins a member while already having the most pins allowed."""

    title = "Pin limit reached"
    slug = "pin-limit-reached"


class SearchScopeNotFound(Unprocessable):
    """A member list names a ``tag`` or ``category`` id that names none."""

    title = "Unknown tag or category"
    slug = "search-scope-not-found"
