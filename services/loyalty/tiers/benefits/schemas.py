"""Bodies of the benefits API: a discount 0 to 100 percent, a birthday gift a code of at
most 64 characters, at most one entry per tier of the ladder."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, JsonValue, Strict, StrictBool

from services.loyalty.program.schemas import MAX_TIERS, TierCode
from shared.inputs import Code

DiscountPercent = Annotated[int, Strict(), Interval(ge=0, le=100)]


BENEFIT_EXAMPLE: dict[str, JsonValue] = {
    "code": "vip",
    "discount_percent": 5,
    "birthday_gift": "GIFT-BDAY-VIP",
    "priority_service": False,
}


class TierBenefitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [BENEFIT_EXAMPLE]})

    code: TierCode = Field(description="The tier, on the ladder")
    discount_percent: DiscountPercent = Field(
        default=0, description="Discount at the till, percent off (5 = 95折)"
    )
    birthday_gift: Annotated[str, Code(64)] | None = Field(
        default=None, description="The reference of the gift a member gets on their birthday"
    )
    priority_service: StrictBool = Field(default=False, description="Served first")


TierBenefitsIn = Annotated[list[TierBenefitIn], Len(0, MAX_TIERS)]


class TierBenefitOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**BENEFIT_EXAMPLE, "points_multiplier_percent": 120}]}
    )

    code: str
    discount_percent: int
    birthday_gift: str | None
    priority_service: bool
    points_multiplier_percent: int = Field(
        description="The tier's earning multiplier (the earning rule's; 100 = ×1)"
    )


class TierBenefits(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"tiers": [{**BENEFIT_EXAMPLE, "points_multiplier_percent": 120}]}]
        }
    )

    tiers: list[TierBenefitOut] = Field(description="Every tier of the ladder, lowest first")


class MemberBenefits(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                    "tier_code": "vip",
                    "tier_name": "VIP贵宾",
                    "assigned_until": None,
                    **{k: v for k, v in BENEFIT_EXAMPLE.items() if k != "code"},
                    "points_multiplier_percent": 120,
                }
            ]
        }
    )

    member_id: uuid.UUID
    tier_code: str
    tier_name: str
    assigned_until: datetime | None = Field(
        description="The end of a manual assignment by staff, else null"
    )
    discount_percent: int
    birthday_gift: str | None
    priority_service: bool
    points_multiplier_percent: int
