"""Request bodies of a sale's discounts and their answers. Amounts are integers in fen."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field

from services.orders.discounts.domain import MANUAL, MAX_SOURCE, Discount
from shared.inputs import MAX_LINES, MAX_SALE_TOTAL_FEN, Code, DiscountFen, LineNo

Source = Annotated[str, Code(MAX_SOURCE)]

DISCOUNTS_EXAMPLE: list[Any] = [
    {"source": "7KQ4-M9XD-2HPA", "amount_fen": 3000},
    {"source": MANUAL, "amount_fen": 500, "lines": [2]},
]


class DiscountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Source = Field(
        examples=["7KQ4-M9XD-2HPA", MANUAL],
        description=f"The coupon's code the discount came from, or `{MANUAL}`",
    )
    amount_fen: DiscountFen = Field(
        description=f"What it takes off, 1 to {MAX_SALE_TOTAL_FEN} fen, at most the amount "
        "of its lines"
    )
    lines: Annotated[list[LineNo], Len(1, MAX_LINES)] | None = Field(
        None,
        description="The numbers of the lines it applies to (from 1, in the order sent); "
        "every line when absent",
    )

    def discount(self) -> Discount:
        return Discount(
            self.source, self.amount_fen, None if self.lines is None else tuple(self.lines)
        )


class DiscountLineOut(BaseModel):
    line_no: int
    discount_fen: int


class DiscountOut(BaseModel):
    source: str
    amount_fen: int
    lines: list[DiscountLineOut] = Field(description="What it took off each of its lines")
