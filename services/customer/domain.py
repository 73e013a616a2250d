"""Pure rules of the customer service: card numbers and contact data checks."""

from __future__ import annotations

import re

from shared.crypto import normalize_phone

CARD_SERIAL_DIGITS = 8
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_INTERNATIONAL = re.compile(r"^\d{6,15}$")


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


def valid_phone(phone: str) -> str | None:
    """The normalised phone if it looks like a reachable mobile number, else ``None``."""
    digits = normalize_phone(phone)
    if _MAINLAND_MOBILE.match(digits) or (
        phone.strip().startswith("+") and _INTERNATIONAL.match(digits)
    ):
        return digits
    return None
