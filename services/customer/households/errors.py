"""Named errors of households, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class HouseholdNotFound(NotFound):
    """A household id names no household."""

    title = "Household not found"
    slug = "household-not-found"


class CardNotFound(Unprocessable):
    """A card number in the body names no member."""

    title = "No member with this card"
    slug = "card-not-found"


class AlreadyInHousehold(Conflict):
    """The member is in a household already (this one or another): a member is in at most
    one household, and leaves it before joining another."""

    title = "Member already in a household"
    slug = "already-in-household"


class NotInHousehold(NotFound):
    """The card named in the path is not a member of this household."""

    title = "Not a member of this household"
    slug = "not-in-household"


class HeadLeavesLast(Conflict):
    """The head of a household may leave only once every other member has left."""

    title = "The head leaves last"
    slug = "head-leaves-last"


class HouseholdFull(Conflict):
    """The household has as many members as a household may have (``MAX_MEMBERS``)."""

    title = "Household full"
    slug = "household-full"


class HouseholdDissolved(Conflict):
    """The household's last member left it; it takes no new members."""

    title = "Household dissolved"
    slug = "household-dissolved"
