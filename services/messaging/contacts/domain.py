"""Pure rules of the contact copy: what is kept of a phone number, and where a channel
reaches a member."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

from shared.crypto import e164_form_of_stored, e164_of_stored
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
    marketing: bool = True
    """Whether marketing messages may go on this channel (on top of ``consent``): the
    member's marketing consent, and no opt-out of theirs since."""


@dataclass(frozen=True)
class ContactCard:
    """What a message needs to know about its member, decrypted for the moment it is used."""

    name: str
    locale: str
    sms: Reach
    email: Reach

    def reach(self, channel: Channel) -> Reach:
        return self.email if channel == "email" else self.sms


NOT_A_PHONE_NUMBER = "member's phone number on file is not a phone number"
INACTIVE = "member is inactive"
BOUNCED = "bounced"
"""Why no email goes to an address that bounced hard (the suppression list)."""


def sms_number(stored: str) -> str | None:
    """The E.164 number SMS go to for a phone number on file, whatever release stored it.

    Converted the way customer converts its own (:func:`shared.crypto.e164_of_stored`:
    ``13812345678`` is ``+8613812345678``). A number the previous release accepted that
    today's metadata refuses (``447700900123``, in a range kept for drama) is still
    written in E.164 and used, as that release sent SMS there. ``None`` for a value that is
    no phone number at all.
    """
    try:
        return e164_of_stored(stored)
    except PhoneNumberError:
        pass
    try:
        return e164_form_of_stored(stored)
    except PhoneNumberError:
        return None


def phone_to_keep(phone: str) -> str:
    """The phone number of a customer event as it is stored: E.164 (:func:`sms_number`),
    or as given if it is no phone number (then no SMS can go to it)."""
    return sms_number(phone) or phone


def phone_reach(
    consent: bool, stored: str, encrypted: str | None = None, *, marketing: bool = True
) -> Reach:
    """Where SMS go (:func:`sms_number`); ``encrypted`` is the stored ciphertext, kept when
    the number needed no conversion."""
    number = sms_number(stored)
    if number is None:
        return Reach(consent, None, NOT_A_PHONE_NUMBER, marketing=marketing)
    kept = encrypted if number == stored else None
    return Reach(consent, number, encrypted=kept, marketing=marketing)


def phone_zone(phone: str | None) -> str | None:
    """The IANA timezone a member is in, which no member record holds: the one zone the
    E.164 ``phone`` number's range is in (a Chinese mobile: ``Asia/Shanghai``); ``None``
    for no number, a number of several zones (a US number of no known area) or none, or
    a zone newer than this system's tzdata (the caller then takes the brand's)."""
    if phone is None:
        return None
    try:
        zones = number_zones.time_zones_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return None
    if len(zones) != 1 or zones[0] == number_zones.UNKNOWN_TIMEZONE:
        return None
    try:
        ZoneInfo(zones[0])
    except ZoneInfoNotFoundError:
        return None
    return str(zones[0])


@dataclass(frozen=True)
class MemberCalendar:
    """What the journeys need of a contact: the birthday's month and day (``None``: none
    on file), the timezone's name (``None``: the brand's), whether it is active, and the
    member's language."""

    birth_month: int | None
    birth_day: int | None
    time_zone: str | None
    active: bool
    locale: str
