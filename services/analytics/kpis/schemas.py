"""The KPI answer. Money is integer fen; rates are ratios."""

from __future__ import annotations

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
                    "lifetime_repeat_customer_rate": 0.4186,
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
    lifetime_repeat_customer_rate: float = Field(
        description="Members with two or more counted purchases ever / purchasing members, "
        "rounded to 4 decimals; fully returned purchases do not count. Not seed 003's "
        "repeat purchase rate of a campaign's participants: that is "
        "`POST /cohorts/kpis`"
    )
    repeat_purchase_rate: float = Field(
        deprecated=True,
        description="Deprecated: the same number as `lifetime_repeat_customer_rate`, under "
        "the name it had before it said what it measures; kept for existing clients",
    )
    revenue_fen: int = Field(description="Completed purchases minus refunds, in fen")
    purchases: int = Field(description="Purchases that were not fully returned")
    average_order_value_fen: int = Field(description="revenue_fen / purchases, rounded to a fen")
    as_of: datetime
