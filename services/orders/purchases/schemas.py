"""Request and response bodies of sales. Amounts are integers in fen; times are UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Self

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from services.orders.directory.domain import MAX_CARD_NUMBER
from services.orders.discounts.domain import MAX_DISCOUNTS
from services.orders.discounts.schemas import DISCOUNTS_EXAMPLE, DiscountIn, DiscountOut
from services.orders.purchases.domain import MAX_CATEGORY, MAX_RECEIPT_NO, MAX_SKU
from services.orders.tenders.domain import MAX_TENDERS
from services.orders.tenders.schemas import (
    RECEIPT_EXAMPLE,
    TENDERS_EXAMPLE,
    ReceiptOut,
    TenderIn,
)
from shared.inputs import (
    MAX_LINES,
    MAX_SALE_TOTAL_FEN,
    Code,
    Phone,
    Quantity,
    SaleTime,
    SingleLine,
    TotalAtMost,
    UnitPriceFen,
)
from shared.inputs.choice import exactly_one

SALE_ROUTE = "POST /purchases"
"""A sale's route in its idempotency identity, whether posted alone or in a batch."""

_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"
_MEMBER = "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f"
_PURCHASE = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
PURCHASE_EXAMPLE: dict[str, Any] = {
    "id": _PURCHASE,
    "member_id": _MEMBER,
    "store_id": _STORE,
    "total_fen": 45700,
    "purchased_at": "2026-11-23T06:30:00Z",
    "receipt_no": "R-20261123-0042",
    "lines": [
        {
            "line_no": 1,
            "sku": "HC-001",
            "category": "health",
            "quantity": 2,
            "unit_price_fen": 19900,
            "amount_fen": 39800,
            "discount_fen": 0,
            "returned_quantity": 0,
        },
        {
            "line_no": 2,
            "sku": "CO-117",
            "category": "cosmetics",
            "quantity": 1,
            "unit_price_fen": 5900,
            "amount_fen": 5900,
            "discount_fen": 0,
            "returned_quantity": 0,
        },
    ],
    "discounts": [],
    "receipt": RECEIPT_EXAMPLE,
    "voided_at": None,
}

Sku = Annotated[str, Code(MAX_SKU)]
Category = Annotated[str, SingleLine(MAX_CATEGORY)]
ReceiptNo = Annotated[str, Code(MAX_RECEIPT_NO)]
CardNumber = Annotated[str, Code(MAX_CARD_NUMBER)]


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Sku
    category: Category = Field(
        examples=["health"],
        description="The catalog's category replaces it when the SKU is a catalog product",
    )
    quantity: Quantity
    unit_price_fen: UnitPriceFen


def _line_amount(line: LineIn) -> int:
    return line.quantity * line.unit_price_fen


_LINES_EXAMPLE: list[JsonValue] = [
    {"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900},
    {"sku": "CO-117", "category": "cosmetics", "quantity": 1, "unit_price_fen": 5900},
]


class PurchaseCreate(BaseModel):
    """A sale. Name the member by exactly one of `member_id`, `card_number` or `phone`.

    The total is computed from the lines, less their discounts: what is paid. The lines
    add up to at most 10,000,000,000 fen (100 million yuan), so that loyalty can always
    credit its points and analytics add it up.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "card_number": "8860000000013",
                    "lines": _LINES_EXAMPLE,
                    "purchased_at": "2026-11-23T06:30:00Z",
                    "receipt_no": "R-20261123-0042",
                    "tenders": TENDERS_EXAMPLE,
                },
                {
                    "member_id": _MEMBER,
                    "lines": _LINES_EXAMPLE,
                    "discounts": DISCOUNTS_EXAMPLE,
                    "receipt_no": "R-20261123-0043",
                },
                {
                    "phone": "138 1234 5678",
                    "lines": [
                        {"sku": "DG-9", "category": "daily", "quantity": 3, "unit_price_fen": 1200}
                    ],
                },
            ]
        },
    )

    FIELDS_SINCE_0_2: ClassVar[frozenset[str]] = frozenset({"tenders", "discounts"})
    """Unknown to the release whose idempotency fingerprints ``shared.idempotency`` still
    recognises."""

    member_id: uuid.UUID | None = None
    card_number: CardNumber | None = None
    phone: Phone | None = None
    lines: Annotated[
        list[LineIn], Len(1, MAX_LINES), TotalAtMost(MAX_SALE_TOTAL_FEN, _line_amount)
    ] = Field(description=f"1 to {MAX_LINES} lines, adding up to at most {MAX_SALE_TOTAL_FEN} fen")
    purchased_at: SaleTime | None = Field(None, description="When the sale happened (default: now)")
    receipt_no: ReceiptNo | None = Field(
        None,
        description=(
            "The till's receipt number, unique per store. The same sale sent again under a "
            "new Idempotency-Key (the same body as sent, byte for byte up to the order of "
            "its keys and its whitespace) is answered with the first sale, as a replay; "
            "another body with a used receipt number is refused with 409 `receipt-reused`"
        ),
    )

    tenders: Annotated[list[TenderIn], Len(1, MAX_TENDERS)] | None = Field(
        None,
        description=(
            f"How the sale was paid, 1 to {MAX_TENDERS} tenders whose amounts pay the total "
            "exactly; only cash may hand over more (the receipt says the change), and at "
            "most one cash tender. Only `cash` and `card` are accepted now. Without "
            "`tenders` the receipt has one `unspecified` tender of the whole total"
        ),
    )

    discounts: Annotated[list[DiscountIn], Len(1, MAX_DISCOUNTS)] | None = Field(
        None,
        description=(
            f"1 to {MAX_DISCOUNTS} discounts the till gave (a coupon's, or manual), each "
            "shared over its lines in proportion to their amounts, rounded down, the fen "
            "left over to the largest line (the first of equal ones). A line's discounts "
            "never exceed its amount; the total, which the tenders pay, is what the lines "
            "cost less their discounts. Without `discounts` nothing is discounted"
        ),
    )

    @model_validator(mode="after")
    def _one_member_reference(self) -> Self:
        given = {"member_id": self.member_id, "card_number": self.card_number, "phone": self.phone}
        exactly_one("name the member by", given)
        return self


class PurchaseLineOut(BaseModel):
    line_no: int
    sku: str
    category: str
    quantity: int
    unit_price_fen: int
    amount_fen: int = Field(
        description="What the line pays: quantity × unit price less its discount"
    )
    discount_fen: int = Field(0, description="What the sale's discounts took off the line")
    returned_quantity: int = Field(description="How many have come back so far")


class PurchaseOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PURCHASE_EXAMPLE]})

    id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    total_fen: int = Field(description="What is paid: the lines' amounts after discounts")
    purchased_at: datetime
    receipt_no: str | None
    lines: list[PurchaseLineOut]
    discounts: list[DiscountOut] = Field(
        default_factory=list,
        description="The sale's discounts as sent, with what each took off which line",
    )
    receipt: ReceiptOut | None = Field(
        None,
        description="How the sale was paid. Null only in a replay of an answer stored before "
        "sales kept their tenders",
    )
    voided_at: datetime | None = Field(None, description="When the store voided the sale")


class PurchasePage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [PURCHASE_EXAMPLE], "next_cursor": None}]}
    )

    items: list[PurchaseOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")
