"""Pure rules of members: card numbers."""

from __future__ import annotations

CARD_SERIAL_DIGITS = 8


def card_number(prefix: str, serial: int) -> str:
    """Cards are numbered in the order members join: prefix, zero-padded serial, check digit."""
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
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == int(number[-1])
