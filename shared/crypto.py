"""Personal data at rest: encryption, keyed-hash lookup and masking.

Phone numbers and emails are stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256)
next to a keyed hash (HMAC-SHA256) of their normalised form, so a lookup by phone never
needs to decrypt a table. Both keys are derived from the one ``pii_key`` secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet

_NON_DIGITS = re.compile(r"\D")


def normalize_phone(phone: str) -> str:
    """Digits only; a leading mainland-China country code (86) is dropped."""
    digits = _NON_DIGITS.sub("", phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def normalize_email(email: str) -> str:
    return email.strip().lower()


def mask_phone(phone: str) -> str:
    """``13812345678`` becomes ``138****5678``."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_email(email: str) -> str:
    """``lilei@example.com`` becomes ``l****@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}****@{domain}" if domain else "****"


class PiiCipher:
    def __init__(self, secret: str) -> None:
        material = secret.encode()
        encryption_key = hashlib.sha256(b"huiyuan/pii/encrypt/" + material).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(encryption_key))
        self._hash_key = hashlib.sha256(b"huiyuan/pii/lookup/" + material).digest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def lookup_hash(self, normalized_value: str) -> str:
        return hmac.new(self._hash_key, normalized_value.encode(), hashlib.sha256).hexdigest()

    def phone_hash(self, phone: str) -> str:
        return self.lookup_hash(normalize_phone(phone))

    def email_hash(self, email: str) -> str:
        return self.lookup_hash(normalize_email(email))
