"""Bodies of the adjustments API. Points are integers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

from shared.inputs import MAX_POINTS, SingleLine


def _not_zero(points: int) -> int:
    if points == 0:
        raise ValueError("must not be 0: an adjustment adds or takes off points")
    return points


AdjustmentPoints = Annotated[
    int, Strict(), Interval(ge=-MAX_POINTS, le=MAX_POINTS), AfterValidator(_not_zero)
]
"""Signed points, -10^12 to 10^12 except 0."""


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"points": 200, "reason": "补录小票 #1024 (lost receipt)"}]
        },
    )

    points: AdjustmentPoints = Field(
        description="Points to add (positive) or take off (negative): -10^12 to 10^12, not 0"
    )
    reason: Annotated[str, SingleLine(200)] = Field(
        description="Why, one line of at most 200 characters (shown in the member's ledger)"
    )


class AdjustmentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "adjustment_id": "4b7e2d1c-9a8f-4e3d-8c2b-1a0f9e8d7c6b",
                    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                    "account_id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
                    "entry_id": "5c0e7f1e-8a1d-4c47-9a43-2b8e2f0a1c33",
                    "points": 200,
                    "balance": 1400,
                    "reason": "补录小票 #1024 (lost receipt)",
                    "staff": "service@example.com",
                    "created_at": "2026-05-02T10:00:00Z",
                }
            ]
        }
    )

    adjustment_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int = Field(description="The balance after the adjustment")
    reason: str
    staff: str = Field(description="The staff subject who made it")
    created_at: datetime
