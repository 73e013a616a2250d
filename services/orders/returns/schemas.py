"""Request and response bodies of returns. Amounts are integers in fen; times are UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.orders.tenders.schemas import RefundOut
from shared.inputs import MAX_LINES, LineNo, Quantity
from shared.inputs.choice import exactly_one


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: LineNo
    quantity: Quantity


class ReturnCreate(BaseModel):
    """Either some lines (`lines`) or everything not yet returned (`"all": true`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lines": [{"line_no": 1, "quantity": 1}]}, {"all": True}]},
    )

    lines: Annotated[list[ReturnLineIn], Len(1, MAX_LINES)] | None = Field(
        None, description=f"1 to {MAX_LINES} lines, each line of the purchase at most once"
    )
    all: bool = Field(False, strict=True, description="Return every line still returnable")

    @model_validator(mode="after")
    def _lines_or_all(self) -> Self:
        exactly_one("give", {'"lines" (at least one)': self.lines, '"all": true': self.all})
        return self


class ReturnLineOut(BaseModel):
    line_no: int
    sku: str
    category: str
    quantity: int
    amount_fen: int = Field(description="What the units paid, refunded")
    discount_fen: int = Field(0, description="Their share of the line's discount")


class ReturnOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
                    "purchase_id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
                    "amount_fen": 19900,
                    "purchase_total_fen": 45700,
                    "returned_at": "2026-11-24T02:10:00Z",
                    "lines": [
                        {
                            "line_no": 1,
                            "sku": "HC-001",
                            "category": "health",
                            "quantity": 1,
                            "amount_fen": 19900,
                            "discount_fen": 0,
                        }
                    ],
                    "refunds": [{"kind": "card", "amount_fen": 19900, "paid_out": True}],
                    "paid_out_fen": 19900,
                }
            ]
        }
    )

    id: uuid.UUID
    purchase_id: uuid.UUID
    amount_fen: int
    purchase_total_fen: int
    returned_at: datetime
    lines: list[ReturnLineOut]
    refunds: list[RefundOut] = Field(
        description="What each tender refunds, adding up to `amount_fen`: vouchers and "
        "points first in proportion to the share of the sale returned, then stored value, "
        "card, cash (never more than a tender paid across all returns)"
    )
    paid_out_fen: int = Field(
        description="What the till hands back: the refunds but a voucher's, which is never "
        "refunded as money"
    )
