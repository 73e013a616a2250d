"""Request and response bodies of the orders API. Amounts are integers in fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_LINES = 200

_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"
_MEMBER = "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f"
_PURCHASE = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_LINE: dict[str, Any] = {
    "line_no": 1,
    "sku": "HC-001",
    "category": "health",
    "quantity": 2,
    "unit_price_fen": 19900,
    "amount_fen": 39800,
    "returned_quantity": 0,
}
_PURCHASE_OUT: dict[str, Any] = {
    "id": _PURCHASE,
    "member_id": _MEMBER,
    "store_id": _STORE,
    "total_fen": 45700,
    "purchased_at": "2026-11-23T06:30:00Z",
    "receipt_no": "R-20261123-0042",
    "lines": [
        _LINE,
        {
            "line_no": 2,
            "sku": "CO-117",
            "category": "cosmetics",
            "quantity": 1,
            "unit_price_fen": 5900,
            "amount_fen": 5900,
            "returned_quantity": 0,
        },
    ],
}


class StoreCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "徐汇店 Xuhui store"}]}
    )

    name: str = Field(min_length=1, max_length=100)


class StoreCreated(BaseModel):
    """The only time the API key is shown: store it in the POS now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": _STORE, "name": "徐汇店 Xuhui store", "api_key": "hy_3q2…"}]
        }
    )

    id: uuid.UUID
    name: str
    api_key: str = Field(description="Send as the `X-API-Key` header; it is not shown again")


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    category: str = Field(min_length=1, max_length=64, examples=["health"])
    quantity: int = Field(strict=True, gt=0, le=1_000_000)
    unit_price_fen: int = Field(strict=True, ge=0, le=10_000_000_000)


class PurchaseCreate(BaseModel):
    """A sale. Name the member by exactly one of `member_id`, `card_number` or `phone`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "card_number": "8860000000013",
                    "lines": [
                        {
                            "sku": "HC-001",
                            "category": "health",
                            "quantity": 2,
                            "unit_price_fen": 19900,
                        },
                        {
                            "sku": "CO-117",
                            "category": "cosmetics",
                            "quantity": 1,
                            "unit_price_fen": 5900,
                        },
                    ],
                    "purchased_at": "2026-11-23T06:30:00Z",
                    "receipt_no": "R-20261123-0042",
                },
                {
                    "phone": "13812345678",
                    "lines": [
                        {"sku": "DG-9", "category": "daily", "quantity": 3, "unit_price_fen": 1200}
                    ],
                },
            ]
        },
    )

    member_id: uuid.UUID | None = None
    card_number: str | None = Field(None, min_length=1, max_length=32)
    phone: str | None = Field(None, min_length=5, max_length=20)
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    purchased_at: AwareDatetime | None = Field(
        None, description="When the sale happened (default: now); at most 5 minutes ahead"
    )
    receipt_no: str | None = Field(None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_member_reference(self) -> Self:
        given = [self.member_id, self.card_number, self.phone]
        if sum(value is not None for value in given) != 1:
            raise ValueError("name the member by exactly one of member_id, card_number or phone")
        return self


class PurchaseLineOut(BaseModel):
    line_no: int
    sku: str
    category: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    returned_quantity: int = Field(description="How many have come back so far")


class PurchaseOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PURCHASE_OUT]})

    id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    total_fen: int
    purchased_at: datetime
    receipt_no: str | None
    lines: list[PurchaseLineOut]


class PurchasePage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_PURCHASE_OUT], "next_cursor": None}]}
    )

    items: list[PurchaseOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(strict=True, ge=1)
    quantity: int = Field(strict=True, gt=0)


class ReturnCreate(BaseModel):
    """Either some lines (`lines`) or everything not yet returned (`"all": true`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lines": [{"line_no": 1, "quantity": 1}]}, {"all": True}]},
    )

    lines: list[ReturnLineIn] | None = Field(None, min_length=1, max_length=MAX_LINES)
    all: bool = Field(False, description="Return every line still returnable")

    @model_validator(mode="after")
    def _lines_or_all(self) -> Self:
        if self.all == (self.lines is not None):
            raise ValueError('give either "lines" (at least one) or "all": true, not both')
        return self


class ReturnLineOut(BaseModel):
    line_no: int
    sku: str
    category: str
    quantity: int
    amount_fen: int


class ReturnOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
                    "purchase_id": _PURCHASE,
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
                        }
                    ],
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
