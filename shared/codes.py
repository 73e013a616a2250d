"""Codes people type: unguessable, typed at a till, read aloud on the phone.

Coupon codes (loyalty) and members' referral codes (customer) are both of this form. A
code is 12 random Crockford base32 symbols (60 bits from the operating system's CSPRNG)
and one check symbol, shown in groups of four: ``7K2M-QX9D-4HTR-D``. Crockford's alphabet
has no I, L, O or U, so a typed code is read case-insensitively with I and L as 1, O as 0
and hyphens and spaces dropped (:func:`normalise`). The check symbol is the value mod 37
(Crockford's check alphabet adds ``*~$=U``), so a single mistyped symbol or two adjacent
symbols swapped is refused before any lookup (:func:`is_well_formed`).

Entropy: 2^60 ≈ 1.15 × 10^18 codes. With ten million codes live, one guess hits one with
a chance of about 1 in 10^11; a coupon's lookup is also limited to a member's own coupons or
a store's key. A collision between two grants (about n²/2^61: ~4 × 10^-5 at 10^7 codes) is
caught by the owning table's unique index and the caller draws again.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from shared.inputs import Code

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
SYMBOLS = 12
BITS = SYMBOLS * 5
GROUP = 4
TypedCode = Annotated[
    str,
    Code(
        24,
        pattern=r"^[0-9A-Za-z*~$= -]+$",
        charset="letters, digits, hyphens, spaces and * ~ $ =",
    ),
]
"""A code as a person typed it (any case, grouped or not), before :func:`normalise`."""
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})
_WELL_FORMED = re.compile(f"^[{ALPHABET}]{{{SYMBOLS}}}[{re.escape(CHECK_ALPHABET)}]$")


def _check_symbol(symbols: str) -> str:
    value = 0
    for symbol in symbols:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % 37]


def with_check_symbol(body: str) -> str:
    """``body`` (12 symbols) with its check symbol appended."""
    return body + _check_symbol(body)


def new_code() -> str:
    """A fresh code in its stored form: 13 symbols, no hyphens."""
    return with_check_symbol("".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS)))


def normalise(typed: str) -> str:
    """A code as typed, in its stored form (upper case, I/L → 1, O → 0, no separators)."""
    return typed.upper().translate(_TYPED)


def is_well_formed(code: str) -> bool:
    """Whether a stored-form code has the right symbols and check symbol."""
    return bool(_WELL_FORMED.match(code)) and _check_symbol(code[:SYMBOLS]) == code[SYMBOLS]


def display(code: str) -> str:
    """Grouped for reading: ``7K2M-QX9D-4HTR-D``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def masked(code: str) -> str:
    """For lists other than the owner's own: only the last group and check symbol shown."""
    return "****-****-" + display(code)[-6:]
