"""Request bodies of a sale's discounts and their answers. Amounts are integers in fen."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Self

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.orders.discounts.domain import MANUAL, MAX_SOURCE, Discount, HeldCoupon
from services.orders.discounts.errors import InvalidDiscount
from shared.inputs import MAX_LINES, MAX_SALE_TOTAL_FEN, Code, DiscountFen, LineNo

Source = Annotated[str, Code(MAX_SOURCE)]

DISCOUNTS_EXAMPLE: list[Any] = [
    {"source": "7KQ4-M9XD-2HPA", "amount_fen": 3000},
    {"source": MANUAL, "amount_fen": 500, "lines": [2]},
]


class DiscountIn(BaseModel):
    """A discount the till gave: `source` and `amount_fen` (and `lines`), or a coupon the
    till held (`POST /coupon-reservations`) by its `coupon_reservation_id`, whose shares
    per line are the ones loyalty priced it at."""

    model_config = ConfigDict(extra="forbid")

    source: Source | None = Field(
        None,
        examples=["7KQ4-M9XD-2HPA", MANUAL],
        description=f"The coupon's code the discount came from, or `{MANUAL}`; for a held "
        "coupon, the masked code unless given",
    )
    amount_fen: DiscountFen | None = Field(
        None,
        description=f"What it takes off, 1 to {MAX_SALE_TOTAL_FEN} fen, at most the amount "
        "of its lines; for a held coupon, optional, and then it must be the held discount",
    )
    lines: Annotated[list[LineNo], Len(1, MAX_LINES)] | None = Field(
        None,
        description="The numbers of the lines it applies to (from 1, in the order sent); "
        "every line when absent. Not for a held coupon",
    )
    coupon_reservation_id: uuid.UUID | None = Field(
        None,
        examples=["3a1f0c5e-7b2d-4c8e-9f1a-2b3c4d5e6f70"],
        description="A coupon held for this sale: the sale uses it (loyalty commits it) and "
        "must be the basket it was held for",
    )

    @model_validator(mode="after")
    def _given_or_held(self) -> Self:
        if self.coupon_reservation_id is None:
            if self.source is None or self.amount_fen is None:
                raise ValueError(
                    "a discount names its source and amount_fen, or the coupon_reservation_id "
                    "of a coupon held for the sale"
                )
        elif self.lines is not None:
            raise ValueError("a held coupon applies to the lines loyalty priced it on: no lines")
        return self

    def discount(self, index: int, held: Mapping[uuid.UUID, HeldCoupon]) -> Discount:
        """As the rules see it; a held coupon's shares come from ``held`` (by reservation).
        Raises :class:`InvalidDiscount` for a held coupon not in ``held`` (a batch takes
        none) or whose discount is not ``amount_fen``."""
        if self.coupon_reservation_id is None:
            assert self.source is not None
            assert self.amount_fen is not None
            lines = None if self.lines is None else tuple(self.lines)
            return Discount(self.source, self.amount_fen, lines)
        coupon = held.get(self.coupon_reservation_id)
        where = f"discounts.{index}"
        if coupon is None:
            raise InvalidDiscount(
                "a sale of a batch takes no held coupon (a hold lives minutes)",
                field=f"{where}.coupon_reservation_id",
            )
        if self.amount_fen is not None and self.amount_fen != coupon.amount_fen:
            raise InvalidDiscount(
                f"coupon reservation {self.coupon_reservation_id} takes {coupon.amount_fen} "
                f"fen off, not {self.amount_fen} fen",
                field=f"{where}.amount_fen",
            )
        return Discount(
            self.source or coupon.code,
            coupon.amount_fen,
            shares=coupon.shares,
            reservation_id=self.coupon_reservation_id,
        )


class DiscountLineOut(BaseModel):
    line_no: int
    discount_fen: int


class DiscountOut(BaseModel):
    source: str
    amount_fen: int
    lines: list[DiscountLineOut] = Field(description="What it took off each of its lines")
    reservation_id: uuid.UUID | None = Field(
        None, description="The coupon reservation at loyalty it came from, if held"
    )
