"""Email addresses: a bare address, trimmed, checked by ``email-validator``, bounded.

``Email`` (``Annotated[str, EmailAddress()]``) is pydantic's ``EmailStr`` (syntax only, no
DNS lookup; the domain is normalised to lower case) with the surrounding whitespace trimmed
first, the ``Name <address>`` form refused (pydantic would silently keep the address
only), and ``maxLength`` in the JSON schema: 254 characters, the longest address SMTP
carries. ``email-validator`` refuses control characters and line breaks, so an address is
safe in a mail header.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import EmailStr, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

MAX_EMAIL_LENGTH = 254


def _bare_address(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # EmailStr says what is wrong
    value = value.strip()
    if len(value) > MAX_EMAIL_LENGTH:
        raise PydanticCustomError(
            "email_too_long",
            "must be at most {max_length} characters long",
            {"max_length": MAX_EMAIL_LENGTH},
        )
    if "<" in value or ">" in value:
        raise PydanticCustomError(
            "email_with_name", "must be a bare address like lilei@example.com, without a name"
        )
    return value


class EmailAddress:
    """Marker of an email address; see the module."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _bare_address, handler.generate_schema(EmailStr)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(maxLength=MAX_EMAIL_LENGTH, examples=["lilei@example.com"])
        return json_schema


Email = Annotated[str, EmailAddress()]
