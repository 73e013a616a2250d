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
    """The 422 for a reference nobody in the directory answers to (never echoes a phone)."""
    if reference.member_id is not None:
        field_name, shown = "member_id", f" {reference.member_id}"
    elif reference.card_number is not None:
        field_name, shown = "card_number", f" {reference.card_number!r}"
    else:
        field_name, shown = "phone", ""
    return UnknownMember(
        f"No member with this {field_name}{shown} is known to orders. A member who has just "
        "registered becomes known here within about a second; retry shortly.",
        field=field_name,
    )
