"""Bodies of coupons at the till. Money is integer fen; times are instants (UTC)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.loyalty.till_coupons.models import MAX_SALE_REF
from shared.attempts import AttemptId
from shared.codes import TypedCode
from shared.coupons import MAX_STACK
from shared.inputs import MAX_LINES, MAX_SALE_TOTAL_FEN, Code, LineNo, Quantity
from shared.inputs.choice import exactly_one
from shared.product_categories import MAX_CODE

SaleRef = Annotated[str, Code(MAX_SALE_REF)]
SkuCode = Annotated[str, Code(MAX_CODE)]
CategoryCode = Annotated[str, Code(MAX_CODE)]
LineFen = Annotated[int, Strict(), Interval(ge=0, le=MAX_SALE_TOTAL_FEN)]

_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"
_MEMBER = "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f"
_PURCHASE = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_ATTEMPT = "5b0f3a3e-9c1d-4e2f-8a7b-6c5d4e3f2a1b"
_LINES: list[Any] = [
    {"line_no": 1, "sku": "HP-FISHOIL-60", "quantity": 1, "amount_fen": 25_800},
    {"line_no": 2, "sku": "SK-CREAM-50", "quantity": 1, "amount_fen": 12_345},
]
RESERVE_EXAMPLE: dict[str, Any] = {
    "member_id": _MEMBER,
    "store_id": _STORE,
    "sale_ref": "R-20261130-0042",
    "code": "7K2M-QX9D-4HTR-D",
    "lines": [
        {**_LINES[0], "category": "health-fishoil"},
        {**_LINES[1], "category": "skincare"},
    ],
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
    """The member's coupons to hold for the sale in progress whose basket is ``lines``:
    one by ``code`` (as typed), or several stacked, by ``codes`` or by ``coupon_ids`` (at
    most one of each kind, all stackable). They are priced together on the basket, and
    the sale must be this basket."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RESERVE_EXAMPLE]})

    member_id: uuid.UUID
    store_id: uuid.UUID = Field(description="The store whose till asks (orders vouches for it)")
    sale_ref: SaleRef = Field(description="The till's reference of the sale, e.g. its receipt")
    code: TypedCode | None = Field(
        None, description="One coupon's code as typed: case and hyphens free"
    )
    codes: Annotated[list[TypedCode], Len(1, MAX_STACK)] | None = Field(
        None, description="Several coupons' codes as typed, to stack on the sale"
    )
    coupon_ids: Annotated[list[uuid.UUID], Len(1, MAX_STACK)] | None = Field(
        None, description="Several coupons by id (as validation lists them), to stack"
    )
    lines: Annotated[list[BasketLineIn], Len(1, MAX_LINES)]

    @model_validator(mode="after")
    def _unique_lines(self) -> Self:
        _unique(self.lines)
        given = {"code": self.code, "codes": self.codes, "coupon_ids": self.coupon_ids}
        exactly_one("name the coupons by", given)
        return self

    def named(self) -> list[tuple[str, str | uuid.UUID]]:
        """Each coupon named, with the field that names it: ``(field, code or id)``."""
        if self.code is not None:
            return [("code", self.code)]
        if self.codes is not None:
            return [(f"codes.{i}", code) for i, code in enumerate(self.codes)]
        assert self.coupon_ids is not None
        return [(f"coupon_ids.{i}", coupon_id) for i, coupon_id in enumerate(self.coupon_ids)]


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
                    "attempt_id": _ATTEMPT,
                }
            ]
        },
    )

    store_id: uuid.UUID
    member_id: uuid.UUID
    purchase_id: uuid.UUID
    lines: Annotated[list[SoldLineIn], Len(1, MAX_LINES)]
    attempt_id: AttemptId = None

    @model_validator(mode="after")
    def _unique_lines(self) -> Self:
        _unique(self.lines)
        return self


class CouponReleaseIn(BaseModel):
    """Give a held coupon back: the till's void of it (no ``purchase_id``), or orders
    undoing a sale that failed after committing it (the sale's ``purchase_id``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"store_id": _STORE, "purchase_id": None},
                {"store_id": _STORE, "purchase_id": _PURCHASE, "attempt_id": _ATTEMPT},
            ]
        },
    )

    store_id: uuid.UUID
    purchase_id: uuid.UUID | None = None
    attempt_id: AttemptId = None
