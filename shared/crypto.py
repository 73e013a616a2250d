"""Personal data at rest: encryption, keyed-hash lookup and masking.

Phone numbers and emails are stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256)
next to a keyed hash (HMAC-SHA256) of their normalised form, so a lookup by phone never
needs to decrypt a table. Both keys are derived from the one ``pii_key`` secret. A phone
number's normalised form is E.164 (``+8613812345678``), so every way of typing a number
hashes the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers
from cryptography.fernet import Fernet

from shared.inputs.phone import PhoneNumberError, to_e164

_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
_E164_DIGITS = re.compile(r"[0-9]{1,15}")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _mask_digits(digits: str) -> str:
    """At least three digits hidden: the last four shown from seven digits on, the first
    three too from ten on; a shorter number shows fewer of its last digits."""
    shown_tail = 4 if len(digits) >= 7 else max(0, len(digits) - 3)
    shown_head = 3 if len(digits) >= 10 else 0
    hidden = len(digits) - shown_head - shown_tail
    return digits[:shown_head] + "*" * hidden + digits[len(digits) - shown_tail :]


def mask_phone(phone: str) -> str:
    """``+8613812345678`` becomes ``+86 138****5678``, ``+13125550147`` ``+1 312***0147``.

    The country code stays readable; the national number keeps its last four digits (and
    its first three if it has ten or more), always hiding at least three. A value stored
    before numbers were kept as E.164 (``13812345678``) is masked the same way, without a
    country code.
    """
    if phone.startswith("+"):
        try:
            number = phonenumbers.parse(phone, None)
        except phonenumbers.NumberParseException:
            return _mask_digits(phone.removeprefix("+"))
        national = phonenumbers.national_significant_number(number)
        return f"+{number.country_code} {_mask_digits(national)}"
    return _mask_digits(phone)


def mask_email(email: str) -> str:
    """``lilei@example.com`` becomes ``l****@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}****@{domain}" if domain else "****"


def e164_of_stored(stored: str) -> str:
    """The E.164 form of a phone number stored before numbers were kept as E.164.

    Those were digits only: a mainland mobile without its country code (``13812345678``),
    any other number with it (``447400123456``, typed ``+44 7400 123456``). A number typed
    ``+1 312 555 0147`` was stored as ``13125550147`` and so reads as a mainland number:
    the country code was lost when it was stored. Raises :class:`PhoneNumberError` for a
    value that does not make a valid mobile number either way.
    """
    return to_e164(stored if stored.startswith("+") else e164_form_of_stored(stored))


def e164_form_of_stored(stored: str) -> str:
    """How a phone number stored before numbers were kept as E.164 is written in E.164,
    without asking whether it is a valid mobile number: ``+86`` before a mainland mobile's
    11 digits, ``+`` before any other digits (they carried their country code), a value
    starting with ``+`` and digits as it is.

    For where that release sent SMS: a number it accepted that today's metadata refuses
    (``447700900123``, in a range kept for drama) still reached its member. Raises
    :class:`PhoneNumberError` for anything but 1 to 15 digits, with or without ``+``.
    """
    digits = stored.removeprefix("+")
    if not _E164_DIGITS.fullmatch(digits):
        raise PhoneNumberError("is not a stored phone number (1 to 15 digits)")
    if stored.startswith("+"):
        return stored
    return f"+86{stored}" if _MAINLAND_MOBILE.fullmatch(stored) else f"+{stored}"


@dataclass(frozen=True)
class RehashedPhone:
    """A stored phone number moved to E.164: what to write back in place of the old one."""

    e164: str
    encrypted: str
    lookup_hash: str


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
        """The lookup hash of a mobile number typed any usual way (hashed as E.164).

        Raises :class:`PhoneNumberError` if ``phone`` is not one; a ``Phone`` field has
        already made sure it is.
        """
        return self.lookup_hash(to_e164(phone))

    def email_hash(self, email: str) -> str:
        return self.lookup_hash(normalize_email(email))

    def rehash_phone(self, encrypted: str) -> RehashedPhone:
        """For the data migration to E.164: decrypt a stored phone number, convert it with
        :func:`e164_of_stored`, and encrypt and hash the E.164 form.

        Raises :class:`PhoneNumberError` for a stored value that is not a valid mobile
        number; the migration decides what to do with that row.
        """
        e164 = e164_of_stored(self.decrypt(encrypted))
        return RehashedPhone(e164, self.encrypt(e164), self.lookup_hash(e164))
