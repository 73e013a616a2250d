"""Request and response bodies of the households API.

Members are named by their card number (``card_number``: digits, the last a Luhn check
digit, as :data:`services.customer.members.schemas.CardNumber`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.customer.members.schemas import CardNumber

HEAD_ID = "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"
HOUSEHOLD_ID = "5e1d7c3a-2b4f-4c6d-8e9f-0a1b2c3d4e5f"


class HouseholdCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"head_card_number": "8860000000017"}]},
    )

    head_card_number: CardNumber = Field(description="The card of the member who heads it")


class HouseholdJoin(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"card_number": "8860000000025"}]},
    )

    card_number: CardNumber = Field(description="The card of the member who joins")


class HouseholdMemberOut(BaseModel):
    member_id: uuid.UUID
    card_number: str
    name: str
    role: Literal["head", "member"]
    joined_at: datetime


_EXAMPLE: dict[str, JsonValue] = {
    "id": HOUSEHOLD_ID,
    "head_member_id": HEAD_ID,
    "members": [
        {
            "member_id": HEAD_ID,
            "card_number": "8860000000017",
            "name": "李雷",
            "role": "head",
            "joined_at": "2026-11-30T04:00:00Z",
        },
        {
            "member_id": "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b",
            "card_number": "8860000000025",
            "name": "韩梅梅",
            "role": "member",
            "joined_at": "2026-11-30T04:05:00Z",
        },
    ],
    "created_at": "2026-11-30T04:00:00Z",
    "dissolved_at": None,
}


class HouseholdOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    id: uuid.UUID
    head_member_id: uuid.UUID
    members: list[HouseholdMemberOut] = Field(description="The head first, then by joining")
    created_at: datetime
    dissolved_at: datetime | None = Field(description="When its last member left; else null")


class HouseholdPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_EXAMPLE], "next_cursor": None}]}
    )

    items: list[HouseholdOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")
