"""Pure rules of members: card numbers."""

from __future__ import annotations

CARD_SERIAL_DIGITS = 8
CARD_NUMBER_MAX_LENGTH = 32
"""The ``members.card_number`` column (and the copies orders keeps)."""


def card_number(prefix: str, serial: int) -> str:
    """Cards are numbered in the order members join: prefix, zero-padded serial, check digit.

    ``card_number("8860", 1)`` is ``"8860000000017"``.
    """
    body = f"{prefix}{serial:0{CARD_SERIAL_DIGITS}d}"
    return body + str(luhn_check_digit(body))


def luhn_check_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def is_valid_card_number(number: str) -> bool:
    """Whether ``number`` is digits whose last one is the Luhn check digit of the others."""
    return (
        number.isascii()
        and number.isdigit()
        and len(number) > 1
        and luhn_check_digit(number[:-1]) == int(number[-1])
    )


CONTACT_ROLES = frozenset({"admin", "service"})
"""The staff roles that see a restricted profile's contact data unmasked."""


def sees_contact(*, restricted: bool, role: str | None, is_self: bool) -> bool:
    """Whether a caller sees the profile's phone, email and address unmasked: anyone
    allowed to read it, unless it is restricted (加密客户); then only admin and service
    staff, and the member themself."""
    return not restricted or is_self or role in CONTACT_ROLES


def mask_text(value: str, shown: int = 3) -> str:
    """``上海市徐汇区漕溪北路 1 号`` becomes ``上海市****``: free text keeps its first
    ``shown`` characters."""
    return value[:shown] + "****"
