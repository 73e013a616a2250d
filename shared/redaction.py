"""Contact data masked out of free text: what a provider answered, an exception's message,
a log line. Phone numbers are found by ``phonenumbers``' matcher (valid numbers only, read
as mainland numbers when they carry no country code) and masked as lists mask them;
email addresses are found by their shape. A name cannot be told from other words, so the
code never puts one in free text in the first place (docs/security.md, "Logs")."""

from __future__ import annotations

import re

import phonenumbers

from shared.crypto import mask_email, mask_phone

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\d[\d\s().-]{5,}\d")
"""Seven digits or more, spaced or not: text without them holds no phone number, and the
matcher (about 0.2 ms a line) is spared."""
_REGION = "CN"


def redact_contacts(text: str) -> str:
    """``text`` with every email address and valid phone number in it masked
    (``lilei@example.com`` → ``l****@example.com``, ``138 1234 5678`` →
    ``+86 138****5678``); anything else unchanged."""
    if "@" in text:
        text = _EMAIL.sub(lambda found: mask_email(found.group()), text)
    if not _DIGITS.search(text):
        return text
    pieces, end = [], 0
    for match in phonenumbers.PhoneNumberMatcher(text, _REGION):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        pieces += [text[end : match.start], mask_phone(e164)]
        end = match.end
    return "".join(pieces) + text[end:]
