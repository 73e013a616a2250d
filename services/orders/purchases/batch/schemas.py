"""Request and response bodies of ``POST /purchases:batch``."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from services.orders.directory.domain import UNKNOWN_CARD_EXAMPLE
from services.orders.purchases.schemas import PURCHASE_EXAMPLE, PurchaseCreate, PurchaseOut
from shared.idempotency.errors import KEY_PATTERN, MAX_KEY_LENGTH

MAX_BATCH_SALES = 1000

_BATCH_SALE: dict[str, Any] = {
    "idempotency_key": "R-20261123-0042",
    "card_number": "8860000000013",
    "lines": [{"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900}],
    "tenders": [{"kind": "card", "amount_fen": 30000}, {"kind": "cash", "amount_fen": 10000}],
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
        pattern=KEY_PATTERN,
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
    sales: Annotated[
        list[
            Annotated[BatchSale | SkipJsonSchema[dict[str, Any]], Field(union_mode="left_to_right")]
        ],
        Len(1, MAX_BATCH_SALES),
    ]


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
    replayed: bool = Field(
        False,
        description="The sale was recorded before (its key or its receipt number was used "
        "by the same sale): this is the first answer",
    )
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
                            "purchase": PURCHASE_EXAMPLE,
                            "error": None,
                        },
                        {
                            "index": 1,
                            "idempotency_key": "R-20261123-0043",
                            "status": 422,
                            "replayed": False,
                            "purchase": None,
                            "error": {
                                "type": "urn:huiyuan:problem:unknown-member",
                                "title": "Unknown member",
                                "status": 422,
                                "detail": UNKNOWN_CARD_EXAMPLE,
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
    replayed: int = Field(description="Sales recorded before: their first answer")
    rejected: int = Field(description="Sales refused; see each result's `error`")
    results: list[SaleResult] = Field(description="One per sale, in the order sent")
