"""Bodies of coupons at the till. Money is integer fen; times are instants (UTC)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.loyalty.till_coupons.domain import ReleaseReason, Status
from services.loyalty.till_coupons.models import MAX_SALE_REF
from shared.inputs import MAX_LINES, MAX_SALE_TOTAL_FEN, Code, LineNo, Quantity
from shared.product_categories import MAX_CODE

SaleRef = Annotated[str, Code(MAX_SALE_REF)]
TypedCode = Annotated[
    str,
    Code(
        24,
        pattern=r"^[0-9A-Za-z*~$= -]+$",
        charset="letters, digits, hyphens, spaces and * ~ $ =",
    ),
]
SkuCode = Annotated[str, Code(MAX_CODE)]
CategoryCode = Annotated[str, Code(MAX_CODE)]
LineFen = Annotated[int, Strict(), Interval(ge=0, le=MAX_SALE_TOTAL_FEN)]

_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"
_MEMBER = "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f"
_PURCHASE = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_LINES: list[Any] = [
    {"line_no": 1, "sku": "HP-FISHOIL-60", "quantity": 1, "amount_fen": 25_800},
    {"line_no": 2, "sku": "SK-CREAM-50", "quantity": 1, "amount_fen": 12_345},
]
RESERVE_EXAMPLE: dict[str, Any] = {
    "member_id": _MEMBER,
    "store_id": _STORE,
    "sale_ref": "R-20261130-0042",
    "code": "7K2M-QX9D-4HTR-V",
    "lines": [
        {**_LINES[0], "category": "health-fishoil"},
        {**_LINES[1], "category": "skincare"},
    ],
}
RESERVATION_EXAMPLE: dict[str, Any] = {
    "reservation_id": "3a1f0c5e-7b2d-4c8e-9f1a-2b3c4d5e6f70",
    "coupon_id": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    "code": "****-****-4HTR-V",
    "definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
    "name": "满200减30",
    "member_id": _MEMBER,
    "account_id": "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
    "store_id": _STORE,
    "sale_ref": "R-20261130-0042",
    "discount_fen": 3_000,
    "lines": [{"line_no": 1, "discount_fen": 2_030}, {"line_no": 2, "discount_fen": 970}],
    "status": "held",
    "purchase_id": None,
    "expires_at": "2026-11-30T06:45:00Z",
    "release_reason": None,
    "created_at": "2026-11-30T06:30:00Z",
}


class SoldLineIn(BaseModel):
    """A line as the sale has it: its number, SKU, units and amount before discounts."""

    model_config = ConfigDict(extra="forbid")

    line_no: LineNo
    sku: SkuCode
    quantity: Quantity
    amount_fen: LineFen = Field(description="Units × unit price, before any discount, fen")


class BasketLineIn(SoldLineIn):
    category: CategoryCode = Field(description="The category the sale records for the line")


def _unique(lines: list[Any]) -> None:
    numbers = [line.line_no for line in lines]
    if len(set(numbers)) != len(numbers):
        raise ValueError("lines: line_no must be unique")


class CouponReservationIn(BaseModel):
    """A coupon (by its code, as typed) to hold for the sale in progress whose basket is
    ``lines``: the coupon is priced on it, and the sale must be this basket."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RESERVE_EXAMPLE]})

    member_id: uuid.UUID
    store_id: uuid.UUID = Field(description="The store whose till asks (orders vouches for it)")
    sale_ref: SaleRef = Field(description="The till's reference of the sale, e.g. its receipt")
    code: TypedCode = Field(description="The coupon's code as typed: case and hyphens free")
    lines: Annotated[list[BasketLineIn], Len(1, MAX_LINES)]

    @model_validator(mode="after")
    def _unique_lines(self) -> Self:
        _unique(self.lines)
        return self


class CouponCommitIn(BaseModel):
    """The sale that uses the held coupon, as orders is about to record it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "store_id": _STORE,
                    "member_id": _MEMBER,
                    "purchase_id": _PURCHASE,
                    "lines": _LINES,
                }
            ]
        },
    )

    store_id: uuid.UUID
    member_id: uuid.UUID
    purchase_id: uuid.UUID
    lines: Annotated[list[SoldLineIn], Len(1, MAX_LINES)]

    @model_validator(mode="after")
    def _unique_lines(self) -> Self:
        _unique(self.lines)
        return self


class CouponReleaseIn(BaseModel):
    """Give a held coupon back: the till's void of it (no ``purchase_id``), or orders
    undoing a sale that failed after committing it (the sale's ``purchase_id``)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"store_id": _STORE, "purchase_id": None}]}
    )

    store_id: uuid.UUID
    purchase_id: uuid.UUID | None = None


class LineDiscountOut(BaseModel):
    line_no: int
    discount_fen: int


class CouponReservationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [RESERVATION_EXAMPLE]})

    reservation_id: uuid.UUID
    coupon_id: uuid.UUID
    code: str = Field(description="Masked")
    definition_id: uuid.UUID
    name: str
    member_id: uuid.UUID
    account_id: uuid.UUID
    store_id: uuid.UUID
    sale_ref: str
    discount_fen: int = Field(description="What the coupon takes off the basket, fen")
    lines: list[LineDiscountOut] = Field(
        description="Its share of each line it takes something off: the sale records these"
    )
    status: Status
    purchase_id: uuid.UUID | None
    expires_at: datetime = Field(
        description="When the sweep gives the coupon back unless a sale uses it"
    )
    release_reason: ReleaseReason | None
    created_at: datetime
