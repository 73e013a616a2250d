"""Pure rules of households: who may join, who may leave."""

from __future__ import annotations

from services.customer.households.errors import HeadLeavesLast, HouseholdFull

MAX_MEMBERS = 10
"""Most members a household may have, the head included."""


def check_room(members: int) -> None:
    """Raises :class:`HouseholdFull` (409) when a household of ``members`` cannot take one
    more."""
    if members >= MAX_MEMBERS:
        raise HouseholdFull(
            f"the household has {members} members, the most a household may have",
            field="card_number",
            members=members,
            maximum=MAX_MEMBERS,
        )


def check_leaving(is_head: bool, members: int) -> bool:
    """Whether this leaving dissolves the household (its last member leaves).

    Raises :class:`HeadLeavesLast` (409) for the head while others remain.
    """
    if is_head and members > 1:
        raise HeadLeavesLast(
            f"the head leaves last: {members - 1} other members are still in the household",
            field="card_number",
            where="path",
        )
    return members == 1
