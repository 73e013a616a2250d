"""Pure rules of the profile lifecycle: which fields an edit changes and who may change
them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "email",
    "birthday",
    "gender",
    "address",
    "occupation",
    "locale",
    "store_id",
    "restricted",
)
"""The fields of ``PATCH /members/{id}``, in the order events name them."""

STAFF_ONLY = ("custom_fields",)
"""Edited by staff only, beside :data:`FIELDS`: custom fields are the brand's data about
the member (its own classification), not the member's own say."""

MEMBER_FIELDS = frozenset({"name", "phone", "email", "gender", "address", "occupation", "locale"})
"""What a member may change themself. The birthday stays with staff (it drives birthday
rewards, so a member moving it would collect them twice), as do the store they belong to
and the restriction of their profile."""


def staff_only(sent: Iterable[str]) -> list[str]:
    """The fields of ``sent`` a member may not change themself, in :data:`FIELDS` order
    (then :data:`STAFF_ONLY`)."""
    names = set(sent)
    return [name for name in (*FIELDS, *STAFF_ONLY) if name in names and name not in MEMBER_FIELDS]


def changed_fields(current: Mapping[str, object], wanted: Mapping[str, object]) -> tuple[str, ...]:
    """The fields whose wanted value differs from the current one, in :data:`FIELDS` order.

    Both map field names to plain values (a phone in E.164, an email as typed, ``None``
    for nothing); a field absent from ``wanted`` is not changed.
    """
    return tuple(name for name in FIELDS if name in wanted and wanted[name] != current.get(name))
