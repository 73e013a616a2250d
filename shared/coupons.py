"""The answer of a coupon validation, the one contract loyalty's ``POST /coupons/validate``
gives and orders' till route of the same name passes on: amounts in fen, codes masked."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field


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


class ValidationOut(BaseModel):
    """The member's coupons priced on a basket, each on its own: which apply with the
    discount per line (fen), which do not and why. Loyalty answers it; orders passes it on
    to a till."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "applicable": [
                        {
                            "coupon_id": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                            "code": "****-****-4HTR-V",
                            "name": "满200减30",
                            "kind": "threshold_off",
                            "stackable": False,
                            "discount_fen": 3_000,
                            "lines": [
                                {"line_no": 1, "discount_fen": 2_030},
                                {"line_no": 2, "discount_fen": 970},
                            ],
                        }
                    ],
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
                }
            ]
        }
    )

    applicable: list[ApplicableOut]
    not_applicable: list[NotApplicableOut]
