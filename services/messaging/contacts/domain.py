"""Pure rules of the contact copy: what is kept of a phone number, and where a channel
reaches a member."""

from __future__ import annotations

from dataclasses import dataclass

from shared.crypto import e164_of_stored
from shared.events.messaging import Channel
from shared.inputs import PhoneNumberError


@dataclass(frozen=True)
class Reach:
    """Whether and where one channel reaches a member."""

    consent: bool
    address: str | None
    """An E.164 mobile number or an email address; ``None`` when there is none."""
    unusable: str | None = None
    """Why the address on file cannot be used, in words that do not repeat it."""
    encrypted: str | None = None
    """The address as encrypted at rest, when that is exactly what is stored (saves
    encrypting it again for each message)."""


@dataclass(frozen=True)
class ContactCard:
    """What a message needs to know about its member, decrypted for the moment it is used."""

    name: str
    locale: str
    sms: Reach
    email: Reach

    def reach(self, channel: Channel) -> Reach:
        return self.email if channel == "email" else self.sms


def phone_to_keep(phone: str) -> str:
    """The phone number of a customer event as it is stored: E.164.

    The customer service publishes E.164 since this version; events of the previous
    release carry digits (``13812345678``), converted the way customer converts its own
    (:func:`shared.crypto.e164_of_stored`). A value that is no valid mobile number either
    way is kept as given: :func:`phone_reach` then says why no SMS can go to it.
    """
    try:
        return e164_of_stored(phone)
    except PhoneNumberError:
        return phone


def phone_reach(consent: bool, stored: str, encrypted: str | None = None) -> Reach:
    """Where SMS go: the E.164 form of the number on file, whatever release stored it;
    ``encrypted`` is the stored ciphertext, kept when the number needed no conversion."""
    try:
        e164 = e164_of_stored(stored)
    except PhoneNumberError as invalid:
        return Reach(consent, None, f"member's phone number {invalid}")
    return Reach(consent, e164, encrypted=encrypted if e164 == stored else None)
