"""Request and response bodies of the profile lifecycle.

Input bounds are registration's (see :mod:`services.customer.members.schemas`), plus
``address`` 1-200 and ``occupation`` 1-100 characters on one line.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.customer.fields.schemas import CustomPatch
from services.customer.members.schemas import (
    MAX_ADDRESS_LENGTH,
    MAX_NAME_LENGTH,
    MAX_OCCUPATION_LENGTH,
    MarketingConsent,
)
from shared.events.customer import Gender, Locale
from shared.inputs import BirthDate, Email, Phone, SingleLine


class MemberPatch(BaseModel):
    """A JSON merge patch (RFC 7396) of a profile: a field left out stays, ``null``
    removes it (``name`` and ``phone`` cannot be removed, ``locale``, ``restricted`` and
    ``custom_fields`` cannot be null; within ``custom_fields`` a ``null`` clears a value)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"phone": "13912345678", "address": "上海市徐汇区漕溪北路 1 号"}]
        },
    )

    name: Annotated[str, SingleLine(MAX_NAME_LENGTH)] | None = None
    phone: Phone | None = None
    email: Email | None = None
    birthday: BirthDate | None = None
    gender: Gender | None = None
    address: Annotated[str, SingleLine(MAX_ADDRESS_LENGTH)] | None = None
    occupation: Annotated[str, SingleLine(MAX_OCCUPATION_LENGTH)] | None = None
    locale: Locale | None = None
    store_id: uuid.UUID | None = None
    restricted: bool | None = Field(
        None, strict=True, description="加密客户: contact data shown to admin and service only"
    )
    custom_fields: CustomPatch | None = Field(
        None,
        description="A merge patch of the custom fields' values by key: `null` clears one",
    )

    @field_validator("name", "phone", "locale", "restricted", "custom_fields")
    @classmethod
    def _kept(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be removed: leave it out to keep it")
        return value


class ConsentIn(BaseModel):
    """Both channels, as the member now wants them, and optionally marketing per channel
    (absent: the marketing consent stays as it is)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"sms": False, "email": True},
                {"sms": True, "email": True, "marketing": {"sms": False, "email": True}},
            ]
        },
    )

    sms: bool = Field(description="The member agrees to receive SMS")
    email: bool = Field(description="The member agrees to receive email")
    marketing: MarketingConsent | None = Field(
        None, description="Marketing messages per channel; absent: unchanged"
    )


class CardReissued(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b",
                    "card_number": "8860000012343",
                    "previous_card_number": "8860000000017",
                }
            ]
        }
    )

    member_id: uuid.UUID
    card_number: str = Field(description="The new card's number, from now on the member's")
    previous_card_number: str = Field(description="The lost card's number; it names nobody now")


class NoBody(BaseModel):
    """A POST whose path says everything (a card's reissue)."""
