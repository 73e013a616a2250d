"""How a sale names its member, and what to say when nobody answers to that name."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from shared.errors import UnknownMember

MAX_CARD_NUMBER = 32
"""Longest card number (a code, see ``shared.inputs.Code``)."""


class MemberReference(Protocol):
    """Exactly one of the three is set (the request schema makes sure of it).

    ``phone`` is in E.164; a sale never carries the number itself further than its hash.
    """

    @property
    def member_id(self) -> uuid.UUID | None: ...
    @property
    def card_number(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...


@dataclass(frozen=True)
class KnownMembers:
    """Members found for a set of references, by each kind of reference."""

    by_id: frozenset[uuid.UUID] = frozenset()
    by_card: Mapping[str, uuid.UUID] = field(default_factory=dict)
    by_phone: Mapping[str, uuid.UUID] = field(default_factory=dict)
    """By the phone number (E.164) as the sale gave it."""

    def member_of(self, reference: MemberReference) -> uuid.UUID:
        """The member ``reference`` names; raises :class:`UnknownMember` (422) if none."""
        found: uuid.UUID | None
        if reference.member_id is not None:
            found = reference.member_id if reference.member_id in self.by_id else None
        elif reference.card_number is not None:
            found = self.by_card.get(reference.card_number)
        else:
            found = None if reference.phone is None else self.by_phone.get(reference.phone)
        if found is None:
            raise unknown_member(reference)
        return found


def unknown_member(reference: MemberReference) -> UnknownMember:
    """The 422 for a reference nobody in the directory answers to (never echoes a phone).

    It does not say which of the reasons it is: a card that was replaced, or a deactivated
    or erased member, would otherwise be told apart from a number never issued by anyone
    who tries numbers at a till (the misses a store may make are limited too)."""
    if reference.member_id is not None:
        field_name, shown = "member_id", f" {reference.member_id}"
    elif reference.card_number is not None:
        field_name, shown = "card_number", f" {reference.card_number!r}"
    else:
        field_name, shown = "phone", ""
    return UnknownMember(unknown_member_detail(field_name, shown), field=field_name)


def unknown_member_detail(field_name: str, shown: str) -> str:
    """What :func:`unknown_member` says, for ``field_name`` showing ``shown``."""
    return (
        f"No active member with this {field_name}{shown} is known to orders. Check it: a "
        "card that was replaced, and the id, card and phone of a deactivated or erased "
        "member, name nobody. A member who has just registered becomes known here within "
        "about a second; retry shortly."
    )


UNKNOWN_CARD_EXAMPLE = unknown_member_detail("card_number", " '8860000000099'")
"""The 422's detail for a card number, for the OpenAPI examples."""
