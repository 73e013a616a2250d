"""Bodies of a till's coupon holds. Amounts are integer fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.orders.directory.domain import MAX_CARD_NUMBER
from services.orders.purchases.schemas import LineIn
from services.orders.tenders.schemas import MAX_SALE_REF
from shared.inputs import MAX_LINES, Code, Phone

_LINES: list[Any] = [
    {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 2, "unit_price_fen": 7_450},
    {"sku": "SK-CREAM-50", "category": "skincare", "quantity": 1, "unit_price_fen": 10_123},
]
COUPON_HOLD_EXAMPLE: dict[str, Any] = {
    "reservation_id": "3a1f0c5e-7b2d-4c8e-9f10-2b3c4d5e6f70",
    "member_id": "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f",
    "code": "****-****-4HTR-V",
    "name": "满150减30",
    "discount_fen": 3_000,
    "lines": [{"line_no": 1, "discount_fen": 1_787}, {"line_no": 2, "discount_fen": 1_213}],
    "status": "held",
    "expires_at": "2026-11-30T06:45:00Z",
}


class CouponBasketIn(BaseModel):
    """A member's basket at the till: the sale in progress whose lines are `lines`, exactly
    as the sale will send them. Name the member by exactly one of `member_id`,
    `card_number` or `phone`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"card_number": "8860000000013", "lines": _LINES}]},
    )

    member_id: uuid.UUID | None = None
    card_number: Annotated[str, Code(MAX_CARD_NUMBER)] | None = None
    phone: Phone | None = None
    lines: Annotated[list[LineIn], Len(1, MAX_LINES)] = Field(
        description="The sale's lines so far, in the order the sale will send them"
    )

    @model_validator(mode="after")
    def _one_member(self) -> Self:
        if sum(v is not None for v in (self.member_id, self.card_number, self.phone)) != 1:
            raise ValueError("name the member by exactly one of member_id, card_number or phone")
        return self


class CouponHoldIn(CouponBasketIn):
    """A member's coupon to hold for the sale in progress whose lines are `lines` (loyalty
    prices the coupon on them, and the sale must be this basket)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "card_number": "8860000000013",
                    "sale_ref": "R-20261130-0042",
                    "code": "7K2M-QX9D-4HTR-V",
                    "lines": _LINES,
                }
            ]
        },
    )

    sale_ref: Annotated[str, Code(MAX_SALE_REF)] = Field(
        description="The till's reference of the sale in progress, e.g. its receipt number"
    )
    code: Annotated[
        str,
        Code(24, pattern=r"^[0-9A-Za-z*~$= -]+$", charset="letters, digits, hyphens, spaces, *~$="),
    ] = Field(description="The coupon's code as the member shows it; case and hyphens free")


class CouponLineOut(BaseModel):
    line_no: int
    discount_fen: int


class CouponHoldOut(BaseModel):
    """A coupon loyalty holds for the sale: the sale uses it with a discount
    `{"coupon_reservation_id": reservation_id}`, before `expires_at`."""

    model_config = ConfigDict(json_schema_extra={"examples": [COUPON_HOLD_EXAMPLE]})

    reservation_id: uuid.UUID
    member_id: uuid.UUID
    code: str = Field(description="Masked")
    name: str
    discount_fen: int = Field(description="What the coupon takes off the basket, fen")
    lines: list[CouponLineOut] = Field(description="Its share of each line, as the sale records")
    status: Literal["held", "committed", "confirmed", "released", "restored"]
    expires_at: datetime = Field(description="When loyalty gives it back unless a sale uses it")
