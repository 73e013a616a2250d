"""The tier chain's answer: per tier, where its members go in a month, what a member-month
in it spends, and the CLV of a member starting in it. Months are the brand's; money fen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TierState(BaseModel):
    tier_code: str
    member_months: int = Field(description="Member-months that started in this tier")
    monthly_spend_fen: int = Field(description="Their mean net spend in the month (m)")
    transitions: dict[str, float] = Field(
        description="Probability of each tier at the next month's start (a row of P)"
    )
    clv_fen: int = Field(description="Σ_{t=0..H} (P/(1+d))^t · m for a member starting here")


class TierChain(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from_month": "2026-01",
                    "to_month": "2026-11",
                    "annual_discount_rate": 0.1,
                    "horizon_months": 12,
                    "states": [
                        {
                            "tier_code": "standard",
                            "member_months": 5200,
                            "monthly_spend_fen": 4000,
                            "transitions": {"standard": 0.95, "vip": 0.05},
                            "clv_fen": 61234,
                        },
                        {
                            "tier_code": "vip",
                            "member_months": 800,
                            "monthly_spend_fen": 20000,
                            "transitions": {"standard": 0.1, "vip": 0.9},
                            "clv_fen": 189345,
                        },
                    ],
                }
            ]
        }
    )

    from_month: str = Field(description="`YYYY-MM`: the first month start observed")
    to_month: str = Field(description="`YYYY-MM`: the last month start observed")
    annual_discount_rate: float
    horizon_months: int = Field(description="H: months after the current one valued")
    states: list[TierState]
