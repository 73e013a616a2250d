"""The cohort KPI request and answer. Days are the brand's business days; money is integer
fen; rates are ratios rounded to 4 decimals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from shared.inputs.times import TradingDate

MAX_LISTED_MEMBERS = 10_000


class ListedMembers(BaseModel):
    """The cohort is these members (a list staff brought, e.g. a campaign's invitees)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["members"]
    members: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_LISTED_MEMBERS,
        description=f"Member ids, 1 to {MAX_LISTED_MEMBERS}; repeats count once",
    )


class CampaignBuyers(BaseModel):
    """The cohort is every member with a counted purchase during the campaign: its
    participants when the campaign is an offer at the till."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["campaign_buyers"]


class CampaignParticipants(BaseModel):
    """The cohort is every member with a counted sale the loyalty campaign reached (met
    its terms, budget left or not), whenever that sale was."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["campaign"]
    campaign_id: uuid.UUID = Field(description="A loyalty campaign's id (`GET /campaigns`)")


Cohort = Annotated[
    ListedMembers | CampaignBuyers | CampaignParticipants, Field(discriminator="kind")
]


class CohortKpisIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cohort": {
                        "kind": "campaign",
                        "campaign_id": "7d1e0c52-3b4a-4f6e-8a9b-0c1d2e3f4a5b",
                    },
                    "first_day": "2026-11-01",
                    "last_day": "2026-11-07",
                },
                {
                    "cohort": {"kind": "campaign_buyers"},
                    "first_day": "2026-11-01",
                    "last_day": "2026-11-07",
                    "churn_days": 30,
                },
                {
                    "cohort": {
                        "kind": "members",
                        "members": ["3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b"],
                    },
                    "first_day": "2026-11-01",
                    "last_day": "2026-11-07",
                },
            ]
        },
    )

    cohort: Cohort
    first_day: TradingDate = Field(description="The campaign's first business day")
    last_day: TradingDate = Field(
        description="The campaign's last business day (included); at most 366 days after "
        "`first_day`"
    )
    churn_days: int | None = Field(
        default=None,
        ge=1,
        le=366,
        description="A participant who bought nothing in this many days after the campaign "
        "has churned (default: the campaign's length)",
    )


class CohortWindow(BaseModel):
    first_day: date
    last_day: date = Field(description="Included")
    purchases: int = Field(description="The cohort's counted purchases in the window")
    net_sales_fen: int = Field(
        description="The net amount (total − refunds) of the cohort's purchases not voided"
    )
    interactions: int = Field(
        description="Counted purchases + survey answers + friends referred (registered "
        "with a participant's code)"
    )
    interaction_frequency: float = Field(
        description="interactions / participants / (window days / 30): per member per month"
    )


_WINDOW: dict[str, JsonValue] = {
    "purchases": 40,
    "net_sales_fen": 1_200_000,
    "interactions": 44,
    "interaction_frequency": 1.5714,
}


class CohortKpis(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "participants": 120,
                    "surveyed": 30,
                    "satisfied": 24,
                    "satisfaction": 0.2,
                    "repeat_buyers": 45,
                    "repeat_purchase_rate": 0.375,
                    "churn_days": 30,
                    "churned": 50,
                    "churn_rate": 0.4167,
                    "referrers": 6,
                    "referral_rate": 0.05,
                    "before": _WINDOW | {"first_day": "2026-10-25", "last_day": "2026-10-31"},
                    "during": _WINDOW
                    | {"first_day": "2026-11-01", "last_day": "2026-11-07", "purchases": 150},
                    "after": _WINDOW | {"first_day": "2026-11-08", "last_day": "2026-11-14"},
                    "sales_lift_during": 0.8,
                    "sales_lift_after": 0.1,
                    "complete": True,
                    "as_of": "2026-12-01T02:00:00Z",
                }
            ]
        }
    )

    participants: int = Field(description="Members in the cohort")
    surveyed: int = Field(
        description="Participants who answered a satisfaction survey from the campaign's "
        "first day to the after window's last"
    )
    satisfied: int = Field(description="Of them, those whose latest answer scored 4 or 5")
    satisfaction: float = Field(description="satisfied / participants (seed 003)")
    repeat_buyers: int = Field(
        description="Participants who bought in the after window, having bought by the "
        "campaign's end"
    )
    repeat_purchase_rate: float = Field(description="repeat_buyers / participants (seed 003)")
    churn_days: int
    churned: int = Field(
        description="Participants who had bought by the campaign's end and bought nothing "
        "in the `churn_days` after it"
    )
    churn_rate: float = Field(description="churned / participants (seed 003)")
    referrers: int = Field(
        description="Participants with a referred friend whose first paid purchase fell "
        "from the campaign's first day to the after window's last"
    )
    referral_rate: float = Field(description="referrers / participants (seed 003)")
    before: CohortWindow = Field(description="As many days as the campaign, just before it")
    during: CohortWindow
    after: CohortWindow = Field(description="As many days as the campaign, just after it")
    sales_lift_during: float | None = Field(
        description="during.net_sales_fen / before.net_sales_fen − 1; null without sales before"
    )
    sales_lift_after: float | None = Field(
        description="after.net_sales_fen / before.net_sales_fen − 1; null without sales before"
    )
    complete: bool = Field(
        description="False while the after or churn window has not ended: the after "
        "figures can still grow"
    )
    as_of: datetime
