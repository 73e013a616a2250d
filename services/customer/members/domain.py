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
