"""Request and response bodies of the orders API. Amounts are integers in fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from shared.idempotency import MAX_KEY_LENGTH
from shared.inputs import Phone

MAX_LINES = 200
MAX_BATCH_SALES = 1000

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
    phone: Phone | None = None
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


_BATCH_SALE: dict[str, Any] = {
    "idempotency_key": "R-20261123-0042",
    "card_number": "8860000000013",
    "lines": [{"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900}],
    "purchased_at": "2026-11-23T06:30:00Z",
    "receipt_no": "R-20261123-0042",
}
_SALE_OF_UNKNOWN_MEMBER: dict[str, Any] = {
    "idempotency_key": "R-20261123-0043",
    "card_number": "8860000000099",
    "lines": [{"sku": "DG-9", "category": "daily", "quantity": 3, "unit_price_fen": 1200}],
}


class BatchSale(PurchaseCreate):
    """One sale of a batch: the body of ``POST /purchases`` plus its own idempotency key."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_BATCH_SALE]})

    idempotency_key: str = Field(
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="As the `Idempotency-Key` header of a single sale, e.g. the receipt number",
    )

    def sale(self) -> PurchaseCreate:
        """The sale as ``POST /purchases`` receives it, so a key used there replays here."""
        return PurchaseCreate.model_construct(
            **{name: getattr(self, name) for name in PurchaseCreate.model_fields}
        )


class PurchaseBatch(BaseModel):
    """Up to 1,000 sales, each accepted or refused on its own."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"sales": [_BATCH_SALE, _SALE_OF_UNKNOWN_MEMBER]}]},
    )

    # a sale that does not validate stays a plain object here, so that it is refused on
    # its own (with its index) instead of failing the whole batch
    sales: list[
        Annotated[BatchSale | SkipJsonSchema[dict[str, Any]], Field(union_mode="left_to_right")]
    ] = Field(min_length=1, max_length=MAX_BATCH_SALES)


class SaleProblem(BaseModel):
    """Why one sale of a batch was refused, shaped like a problem+json body."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    index: int = Field(description="Position of the sale in `sales`, from 0")
    errors: list[dict[str, Any]] | None = None


class SaleResult(BaseModel):
    index: int = Field(description="Position of the sale in `sales`, from 0")
    idempotency_key: str | None
    status: int = Field(description="201 recorded (or replayed), else the error's status")
    replayed: bool = Field(False, description="The key was used before; this is the first answer")
    purchase: PurchaseOut | None = None
    error: SaleProblem | None = None


class BatchOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "accepted": 1,
                    "replayed": 0,
                    "rejected": 1,
                    "results": [
                        {
                            "index": 0,
                            "idempotency_key": "R-20261123-0042",
                            "status": 201,
                            "replayed": False,
                            "purchase": _PURCHASE_OUT,
                            "error": None,
                        },
                        {
                            "index": 1,
                            "idempotency_key": "R-20261123-0043",
                            "status": 422,
                            "replayed": False,
                            "purchase": None,
                            "error": {
                                "type": "about:blank",
                                "title": "Unknown member",
                                "status": 422,
                                "detail": "No member with this card_number '8860000000099' is "
                                "known to orders. A member who has just registered becomes "
                                "known here within about a second; retry shortly.",
                                "index": 1,
                                "errors": [
                                    {
                                        "location": "body.sales.1.card_number",
                                        "message": "unknown member",
                                    }
                                ],
                            },
                        },
                    ],
                }
            ]
        }
    )

    accepted: int = Field(description="Sales recorded by this request")
    replayed: int = Field(description="Sales whose key was already used: their first answer")
    rejected: int = Field(description="Sales refused; see each result's `error`")
    results: list[SaleResult] = Field(description="One per sale, in the order sent")
