"""Bodies of a till's coupon holds. Amounts are integer fen."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Self

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.orders.directory.domain import MAX_CARD_NUMBER
from services.orders.purchases.schemas import LineIn
from services.orders.tenders.schemas import MAX_SALE_REF
from shared.codes import TypedCode
from shared.coupons import MAX_STACK
from shared.inputs import MAX_LINES, Code, Phone
from shared.inputs.choice import exactly_one

_LINES: list[Any] = [
    {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 2, "unit_price_fen": 7_450},
    {"sku": "SK-CREAM-50", "category": "skincare", "quantity": 1, "unit_price_fen": 10_123},
]


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
        given = {"member_id": self.member_id, "card_number": self.card_number, "phone": self.phone}
        exactly_one("name the member by", given)
        return self


class CouponHoldIn(CouponBasketIn):
    """A member's coupons to hold for the sale in progress whose lines are `lines`: one by
    `code`, or several to stack by `codes` or `coupon_ids` (exactly one of the three).
    Loyalty prices them together on the lines, and the sale must be this basket."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "card_number": "8860000000013",
                    "sale_ref": "R-20261130-0042",
                    "code": "7K2M-QX9D-4HTR-D",
                    "lines": _LINES,
                }
            ]
        },
    )

    sale_ref: Annotated[str, Code(MAX_SALE_REF)] = Field(
        description="The till's reference of the sale in progress, e.g. its receipt number"
    )
    code: TypedCode | None = Field(
        None, description="The coupon's code as the member shows it; case and hyphens free"
    )
    codes: Annotated[list[TypedCode], Len(1, MAX_STACK)] | None = Field(
        None, description="Several coupons' codes, to stack on the sale"
    )
    coupon_ids: Annotated[list[uuid.UUID], Len(1, MAX_STACK)] | None = Field(
        None, description="Several coupons by id (as validation lists them), to stack"
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        given = {"code": self.code, "codes": self.codes, "coupon_ids": self.coupon_ids}
        exactly_one("name the coupons by", given)
        return self

    def named(self) -> dict[str, Any]:
        """The coupons as loyalty's hold takes them."""
        if self.code is not None:
            return {"code": self.code}
        if self.codes is not None:
            return {"codes": self.codes}
        return {"coupon_ids": [str(coupon_id) for coupon_id in self.coupon_ids or ()]}
