"""Response bodies of the analytics API. Money is integer fen; rates are ratios."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Kpis(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "members": 1280,
                    "active_members_30d": 312,
                    "active_window_days": 30,
                    "purchasing_members": 860,
                    "repeat_purchase_rate": 0.4186,
                    "revenue_fen": 51_234_500,
                    "purchases": 2140,
                    "average_order_value_fen": 23_941,
                    "as_of": "2025-06-01T08:00:00Z",
                }
            ]
        }
    )

    members: int = Field(description="Registered members")
    active_members_30d: int = Field(
        description="Members with a purchase (not fully returned) in the activity window "
        "(30 days unless `days` says otherwise)"
    )
    active_window_days: int = Field(description="The activity window used, in days")
    purchasing_members: int = Field(description="Members with at least one counted purchase")
    repeat_purchase_rate: float = Field(
        description="Members with two or more counted purchases / purchasing members, "
        "rounded to 4 decimals; fully returned purchases do not count"
    )
    revenue_fen: int = Field(description="Completed purchases minus refunds, in fen")
    purchases: int = Field(description="Purchases that were not fully returned")
    average_order_value_fen: int = Field(description="revenue_fen / purchases, rounded to a fen")
    as_of: datetime


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
    tier_code: str | None = Field(description="The member's current loyalty tier")
