"""Bodies of a member's benefits at the till: how the till names the member, and what
loyalty says the member's tier gives them (percent, points multiplier as percent)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.orders.directory.domain import MAX_CARD_NUMBER
from shared.inputs import Code, Phone
from shared.inputs.choice import exactly_one

BENEFITS_EXAMPLE: dict[str, Any] = {
    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
    "tier_code": "vip",
    "tier_name": "VIP贵宾",
    "discount_percent": 5,
    "birthday_gift": "GIFT-BDAY-VIP",
    "priority_service": False,
    "points_multiplier_percent": 120,
}


class MemberNamed(BaseModel):
    """The member as the till names them: exactly one of `card_number` or `phone` (any
    usual way of typing a mobile number; it is looked up by its hash and never kept)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"card_number": "8860000000013"}]}
    )

    card_number: Annotated[str, Code(MAX_CARD_NUMBER)] | None = None
    phone: Phone | None = None

    @property
    def member_id(self) -> None:
        """Never: a member id is named in the path (``GET /members/{member_id}/benefits``)."""
        return None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        exactly_one("name the member by", {"card_number": self.card_number, "phone": self.phone})
        return self


@dataclass(frozen=True)
class MemberById:
    """The member as the path names them (a ``MemberReference``)."""

    member_id: uuid.UUID
    card_number: None = None
    phone: None = None


class MemberBenefitsOut(BaseModel):
    """What the member's tier gives them now, as loyalty answers it: only what a sale
    needs (how staff manage the member's tier, such as the end of a manual assignment,
    stays with loyalty's staff endpoints)."""

    model_config = ConfigDict(json_schema_extra={"examples": [BENEFITS_EXAMPLE]})

    member_id: uuid.UUID
    tier_code: str
    tier_name: str
    discount_percent: int = Field(description="Discount at the till, percent off (5 = 95折)")
    birthday_gift: str | None = Field(
        description="The reference of the gift the member gets on their birthday"
    )
    priority_service: bool = Field(description="Served first")
    points_multiplier_percent: int = Field(description="The tier's earning multiplier (100 = ×1)")
