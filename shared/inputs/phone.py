"""Phone numbers as people type them, kept as E.164.

``Phone`` (``Annotated[str, PhoneNumber()]``) accepts a mobile number written the ways
people write one: with ``+`` and the country code (``+1 312 555 0147``, ``+86 138-1234-5678``),
with the international call prefix of the default region (``008613812345678`` in China),
or national (``138 1234 5678``, ``13812345678``), with spaces, hyphens, dots, parentheses
and full-width digits. It answers the number in E.164 (``+13125550147``,
``+8613812345678``): one spelling per number, so the lookup hash over it
(:meth:`shared.crypto.PiiCipher.phone_hash`) finds a member however their number is typed.

A national number is read in the region of the ``phone_default_region`` setting (CN unless
set), which :func:`shared.inputs.configure_inputs` installs when the app is built.

Refused, with a message that does not repeat the number (it is personal data): a blank
value; other characters than the above (letters, an extension); a number that
``phonenumbers`` (Google's libphonenumber metadata) does not know as a valid number; and a
valid number that cannot be a mobile one (fixed line, toll free, premium rate...), as the
number is where SMS go. Numbers that can be either, as in North America, are accepted.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from shared.inputs.config import input_defaults

MAX_TYPED_LENGTH = 32
"""Longest phone number accepted as typed (E.164 has at most 15 digits, plus separators)."""

_DIGIT = "0-9\uff10-\uff19"  # ASCII and full-width
_SEPARATOR = " ().\\-"
_TYPED = re.compile(f"\\(?[+\uff0b]?[{_DIGIT}{_SEPARATOR}]*[{_DIGIT}][{_DIGIT}{_SEPARATOR}]*")
_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_UNPARSABLE = {
    NumberParseException.INVALID_COUNTRY_CODE: "has a country code no country uses",
    NumberParseException.NOT_A_NUMBER: "is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "is too short to be a phone number",
    NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    NumberParseException.TOO_LONG: "is too long to be a phone number",
}


class PhoneNumberError(ValueError):
    """Why a text is not an acceptable phone number, in words that do not repeat it."""


def to_e164(typed: str, region: str | None = None) -> str:
    """The E.164 form of the mobile number ``typed``, e.g. ``+8613812345678``.

    A national number is read in ``region`` (an ISO 3166 code), by default the configured
    ``phone_default_region``. Raises :class:`PhoneNumberError` for anything else.
    """
    text = typed.strip()
    if not text:
        raise PhoneNumberError("must not be blank")
    if len(text) > MAX_TYPED_LENGTH:
        raise PhoneNumberError(f"must be at most {MAX_TYPED_LENGTH} characters long")
    if not _TYPED.fullmatch(text):
        raise PhoneNumberError(
            "may contain only digits, a leading +, spaces and the separators ( ) . -"
        )
    try:
        number = phonenumbers.parse(text, region or input_defaults().phone_region)
    except NumberParseException as unparsable:
        raise PhoneNumberError(_UNPARSABLE[unparsable.error_type]) from unparsable
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberError(
            f"is not a valid phone number for country code +{number.country_code}"
        )
    if phonenumbers.number_type(number) not in _MOBILE:
        raise PhoneNumberError("is not a mobile number, so it cannot receive SMS")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


class PhoneNumber:
    """Marker of a mobile number typed any usual way, answered in E.164; see the module."""

    def validate(self, value: str) -> str:
        try:
            return to_e164(value)
        except PhoneNumberError as refused:
            raise PydanticCustomError("phone_number", str(refused)) from refused

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.validate, core_schema.str_schema(strict=True)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(
            minLength=1,
            maxLength=MAX_TYPED_LENGTH,
            pattern=f"^{_TYPED.pattern}$",
            description=(
                "A mobile number as typed: with + and the country code (+1 312 555 0147), "
                "or national in the configured default region (CN: 138 1234 5678). "
                "Answered and stored in E.164 (+13125550147)."
            ),
            examples=["+8613812345678", "138 1234 5678", "+1 312 555 0147"],
        )
        return json_schema


Phone = Annotated[str, PhoneNumber()]
