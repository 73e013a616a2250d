"""The answers loyalty gives and orders passes on to a till, one contract each: a coupon
validation (``POST /coupons/validate``) and a hold of coupons (``POST
/coupon-reservations``). Amounts in fen, codes masked, times UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_STACK = 4
"""Coupons of one hold: stacked coupons are at most one of each of the four kinds
(loyalty's ``coupons.kinds.KINDS``; a test keeps the two equal)."""

_THRESHOLD_LINES = [{"line_no": 1, "discount_fen": 1_800}, {"line_no": 2, "discount_fen": 1_200}]
_PERCENT_LINES = [{"line_no": 1, "discount_fen": 1_320}, {"line_no": 2, "discount_fen": 880}]
HOLD_EXAMPLE: dict[str, Any] = {
    "hold_id": "1e2d3c4b-5a69-4788-8a9b-0c1d2e3f4a5b",
    "member_id": "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f",
    "account_id": "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
    "store_id": "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10",
    "sale_ref": "R-20261130-0042",
    "discount_fen": 5_200,
    "lines": [{"line_no": 1, "discount_fen": 3_120}, {"line_no": 2, "discount_fen": 2_080}],
    "coupons": [
        {
            "reservation_id": "3a1f0c5e-7b2d-4c8e-9f1a-2b3c4d5e6f70",
            "coupon_id": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            "code": "****-****-4HTR-D",
            "definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
            "name": "满200减30",
            "kind": "threshold_off",
            "discount_fen": 3_000,
            "lines": _THRESHOLD_LINES,
            "status": "held",
            "release_reason": None,
        },
        {
            "reservation_id": "4b2a1d6f-8c3e-4d9f-8a2b-3c4d5e6f7a81",
            "coupon_id": "9d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
            "code": "****-****-7QZP-3",
            "definition_id": "4a7d2c3b-9e5f-4a6b-8c7d-8e9f0a1b2c3d",
            "name": "全场9折",
            "kind": "percent_off",
            "discount_fen": 2_200,
            "lines": _PERCENT_LINES,
            "status": "held",
            "release_reason": None,
        },
    ],
    "status": "held",
    "purchase_id": None,
    "expires_at": "2026-11-30T06:45:00Z",
    "created_at": "2026-11-30T06:30:00Z",
}


class LineDiscountOut(BaseModel):
    line_no: int
    discount_fen: int


class ApplicableOut(BaseModel):
    coupon_id: uuid.UUID
    code: str = Field(description="Masked")
    name: str
    kind: str = Field(description="`threshold_off`, `percent_off`, `cash_voucher` or `free_gift`")
    stackable: bool
    discount_fen: int
    lines: list[LineDiscountOut] = Field(description="The lines it takes something off")


class NotApplicableOut(BaseModel):
    coupon_id: uuid.UUID
    code: str = Field(description="Masked")
    name: str
    reason: str = Field(
        description="`not_yet_valid`, `expired`, `out_of_store_scope`, `no_eligible_line`, "
        "`below_threshold`, `no_discount` or `gift_not_in_basket`"
    )
    detail: str


class StackOut(BaseModel):
    """The coupons a till would hold together for the most off the basket (the stacking
    rule: one coupon, or stackable ones at most one of each kind), each priced in the
    stack on what the ones before it left, in the stacking order."""

    discount_fen: int = Field(description="What they take off together, fen")
    lines: list[LineDiscountOut] = Field(description="Their discount per line, added up")
    coupons: list[ApplicableOut]


_APPLICABLE_EXAMPLE: dict[str, Any] = {
    "coupon_id": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    "code": "****-****-4HTR-D",
    "name": "满200减30",
    "kind": "threshold_off",
    "stackable": False,
    "discount_fen": 3_000,
    "lines": [{"line_no": 1, "discount_fen": 2_030}, {"line_no": 2, "discount_fen": 970}],
}


class ValidationOut(BaseModel):
    """The member's coupons priced on a basket, each on its own: which apply with the
    discount per line (fen), which do not and why; and ``stacked``, the combination that
    takes the most off (null when none applies), which a till holds by its coupons' ids.
    Loyalty answers it; orders passes it on to a till."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "applicable": [_APPLICABLE_EXAMPLE],
                    "not_applicable": [
                        {
                            "coupon_id": "9d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
                            "code": "****-****-7QZP-3",
                            "name": "护肤满500减80",
                            "reason": "below_threshold",
                            "detail": "eligible spend 12345 fen is below the threshold of "
                            "50000 fen",
                        }
                    ],
                    "stacked": {
                        "discount_fen": 3_000,
                        "lines": _APPLICABLE_EXAMPLE["lines"],
                        "coupons": [_APPLICABLE_EXAMPLE],
                    },
                }
            ]
        }
    )

    applicable: list[ApplicableOut]
    not_applicable: list[NotApplicableOut]
    stacked: StackOut | None


HoldStatus = Literal["held", "committed", "confirmed", "released", "restored"]
"""``held``: reserved for a sale in progress; ``committed``: a sale being recorded names
it; ``confirmed``: the sale is recorded and the coupon redeemed; ``released``: back before
any recorded sale used it (void, the sale failed, timeout); ``restored``: back by a return
or void of the recorded sale."""


class HeldCouponOut(BaseModel):
    """One coupon of a hold, priced in the stack: what it takes off each line after the
    coupons before it (fen)."""

    reservation_id: uuid.UUID = Field(description="Name it in the sale's discount")
    coupon_id: uuid.UUID
    code: str = Field(description="Masked")
    definition_id: uuid.UUID
    name: str
    kind: str
    discount_fen: int
    lines: list[LineDiscountOut] = Field(description="Its share of each line: the sale records")
    status: HoldStatus
    release_reason: str | None = Field(
        description="`void`, `sale_failed`, `timeout`, `returned` or `voided` once back"
    )


class CouponHoldOut(BaseModel):
    """A till's hold of one or more (stacked) coupons of a member for one sale in progress,
    priced together on its basket: loyalty's ``POST /coupon-reservations`` answer, passed on
    by orders. ``coupons`` are in the stacking order (threshold-off, percent-off, free
    gift, cash voucher), each priced on what the ones before left; ``lines`` adds them up
    per line and never exceeds a line's amount. The sale names every coupon's
    ``reservation_id``: a stack is used whole. Times UTC; amounts fen."""

    model_config = ConfigDict(json_schema_extra={"examples": [HOLD_EXAMPLE]})

    hold_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID
    store_id: uuid.UUID
    sale_ref: str
    discount_fen: int = Field(description="What the coupons take off the basket together, fen")
    lines: list[LineDiscountOut] = Field(description="Their discount per line, added up")
    coupons: list[HeldCouponOut]
    status: HoldStatus = Field(
        description="The hold's: its coupons move together until a return restores one "
        "(then `confirmed` while the sale still uses any; each coupon says its own)"
    )
    purchase_id: uuid.UUID | None
    expires_at: datetime = Field(description="When loyalty gives the coupons back unless used")
    created_at: datetime
