"""Bodies of the redemption API. Points are integers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.inputs import Points, SingleLine


class RedemptionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"points": 500, "reason": "兑换耳机 (headphones)"}]},
    )

    points: Points = Field(description="Points to spend: 1 to 10^12")
    reason: Annotated[str, SingleLine(200)] = Field(
        description="What the points were spent on, one line of at most 200 characters"
    )


class RedemptionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "redemption_id": "9d1c3b7a-6f2e-4e4c-8c9b-0a1f2e3d4c5b",
                    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                    "account_id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
                    "entry_id": "5c0e7f1e-8a1d-4c47-9a43-2b8e2f0a1c33",
                    "points": 500,
                    "balance": 700,
                    "reason": "兑换耳机 (headphones)",
                    "created_at": "2026-05-02T10:00:00Z",
                }
            ]
        }
    )

    redemption_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID = Field(description="The account the points left")
    entry_id: uuid.UUID
    points: int
    balance: int = Field(description="The balance after the redemption")
    reason: str
    created_at: datetime
