"""A member's summary. Money is integer fen; times are UTC."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MemberSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": "3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b",
                    "registered_at": "2025-03-08T02:15:00Z",
                    "purchase_count": 3,
                    "spend_fen": 186_000,
                    "returned_fen": 6_000,
                    "net_spend_fen": 180_000,
                    "first_purchase_at": "2025-03-08T02:40:00Z",
                    "last_purchase_at": "2025-05-20T11:05:00Z",
                    "days_since_last_purchase": 12,
                    "tier_code": "vip",
                }
            ]
        }
    )

    member_id: uuid.UUID
    registered_at: datetime | None = Field(
        description="Null while the registration has not reached analytics"
    )
    purchase_count: int = Field(description="Purchases that were not fully returned")
    spend_fen: int = Field(description="Total of all completed purchases, in fen")
    returned_fen: int = Field(description="Refunded by returns, in fen")
    net_spend_fen: int
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None = Field(
        description="Latest purchase, including one later returned"
    )
    days_since_last_purchase: int | None = Field(
        description="Calendar days in the business timezone since the last purchase"
    )
    tier_code: str | None = Field(
        description="The member's current loyalty tier, as loyalty's events say; null until "
        "the first of them about the member's account reaches analytics"
    )
