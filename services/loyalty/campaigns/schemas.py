"""Bodies of the campaigns API. Money is in fen, multipliers in percent (100 = ×1), points
integers; times are answered in UTC.

Bounds: a name one line of at most 100 characters; at most ``MAX_SCOPE`` categories,
stores and tiers each; a campaign multiplier 101 to 1,000 percent (it adds its extra over
×1, see :mod:`services.loyalty.campaigns.domain`); a bonus 1 to 10^9 points; a budget 1
to 10^12 points.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

from services.loyalty.program.schemas import TierCode
from services.loyalty.rules.schemas import BonusPoints, CategoryCode
from shared.inputs import (
    MAX_MULTIPLIER_PERCENT,
    EffectiveTime,
    Points,
    Quantity,
    SingleLine,
    SpendFen,
)

MAX_SCOPE = 200
MAX_NAME = 100
MAX_TOP_N = 200

CampaignName = Annotated[str, SingleLine(MAX_NAME)]
TopN = Annotated[int, Strict(), Interval(ge=1, le=MAX_TOP_N)]
"""How many top spenders: 1 to 200."""
CampaignMultiplier = Annotated[int, Strict(), Interval(ge=101, le=MAX_MULTIPLIER_PERCENT)]
"""Percent of the base rate, above ×1: 101 to 1,000."""

CAMPAIGN_EXAMPLE: dict[str, Any] = {
    "name": "十周年回馈嘉年华 Tenth anniversary carnival",
    "starts_at": "2027-01-01T00:00:00+08:00",
    "ends_at": "2027-01-11T00:00:00+08:00",
    "scope": {"categories": ["skincare"], "stores": [], "tiers": []},
    "multiplier_percent": 200,
    "bonus_points": 30,
    "bonus_threshold_fen": 20_000,
    "budget_points": 500_000,
    "reward_top_n": 10,
    "reward_points": 2_000,
    "reward_tier_code": "vip",
    "reward_tier_until": "2027-12-31",
    "giveaway_definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
    "giveaway_threshold_fen": 50_000,
    "giveaway_quantity": 1_000,
}


class ScopeIn(BaseModel):
    """Where the campaign applies; an empty list is no restriction."""

    model_config = ConfigDict(extra="forbid")

    categories: Annotated[list[CategoryCode], Len(0, MAX_SCOPE)] = Field(
        default_factory=list, description="Categories; a line in a descendant counts"
    )
    stores: Annotated[list[uuid.UUID], Len(0, MAX_SCOPE)] = Field(default_factory=list)
    tiers: Annotated[list[TierCode], Len(0, MAX_SCOPE)] = Field(
        default_factory=list, description="The member's tier before the sale"
    )


class CampaignTerms(BaseModel):
    """What a campaign gives, where, within which budget, and whom it rewards at its end."""

    model_config = ConfigDict(extra="forbid")

    scope: ScopeIn = Field(default_factory=ScopeIn)
    multiplier_percent: CampaignMultiplier | None = Field(
        None, description="Adds (percent − 100) of the base rate on the lines in scope"
    )
    bonus_points: BonusPoints | None = Field(
        None, description="Once per sale whose qualifying spend reaches the threshold"
    )
    bonus_threshold_fen: SpendFen = 0
    budget_points: Points | None = Field(
        None, description="Points it gives at most, never exceeded; none: no budget"
    )
    reward_top_n: TopN | None = Field(
        None,
        description=(
            "At its end, the top N spenders of its leaderboard get reward_points, the tier "
            "reward_tier_code for a period, or both"
        ),
    )
    reward_points: Points | None = Field(
        None, description="Each rewarded member's points (with reward_top_n)"
    )
    reward_tier_code: TierCode | None = Field(
        None,
        description=(
            "At its end, the top N spenders are placed on this tier (above the base tier) "
            "until reward_tier_until, like a manual assignment; a member already above it "
            "keeps theirs (with reward_top_n and reward_tier_until)"
        ),
    )
    reward_tier_until: date | None = Field(
        None,
        description=(
            "The awarded tier's last day in the brand's timezone: from the day the campaign "
            "ends to 5 years after it"
        ),
    )

    giveaway_definition_id: uuid.UUID | None = Field(
        None,
        description=(
            "A coupon definition: a purchase whose qualifying spend reaches "
            "giveaway_threshold_fen gets one coupon of it (with giveaway_threshold_fen)"
        ),
    )
    giveaway_threshold_fen: SpendFen | None = Field(
        None, description="The qualifying spend (fen, above 0) a purchase reaches for the coupon"
    )
    giveaway_quantity: Quantity | None = Field(
        None,
        description=(
            "Coupons the giveaway gives at most, never exceeded; none: as many as the "
            "definition's own quantity, budget and per-member limit allow"
        ),
    )


class CampaignIn(CampaignTerms):
    """A campaign to run. It starts now or later (in the brand's timezone, given with an
    offset); until it starts, all of it may change, then only its name, end and budgets."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CAMPAIGN_EXAMPLE]})

    name: CampaignName
    starts_at: EffectiveTime
    ends_at: EffectiveTime = Field(description="Exclusive: a sale at this time is outside")


class CampaignChange(CampaignTerms):
    """What to change of a campaign (a merge patch): the fields sent change, those left out
    stay; null clears an optional one (``name`` and the times are never null). Each is
    validated as in :class:`CampaignIn`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"ends_at": "2027-01-15T00:00:00+08:00", "budget_points": 800_000}]
        },
    )

    name: CampaignName | None = Field(None, description="Left out: unchanged; never null")
    starts_at: EffectiveTime | None = Field(None, description="Left out: unchanged; never null")
    ends_at: EffectiveTime | None = Field(
        None, description="Exclusive; not before now. Left out: unchanged; never null"
    )

    @field_validator("name", "starts_at", "ends_at", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null (leave it out to keep it)")
        return value


class ScopeOut(BaseModel):
    categories: list[str]
    stores: list[uuid.UUID]
    tiers: list[str]


_CAMPAIGN_OUT: dict[str, Any] = {
    **CAMPAIGN_EXAMPLE,
    "id": "3c9e2f4a-7b1d-4e5f-9a0b-1c2d3e4f5a6b",
    "starts_at": "2026-12-31T16:00:00Z",
    "ends_at": "2027-01-10T16:00:00Z",
    "spent_points": 0,
    "coupons_given": 0,
    "closed_at": None,
    "created_at": "2026-11-30T02:00:00Z",
    "created_by": "marketing@brand.example",
    "updated_at": None,
    "updated_by": None,
}


class CampaignOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_CAMPAIGN_OUT]})

    id: uuid.UUID
    name: str
    starts_at: datetime
    ends_at: datetime
    scope: ScopeOut
    multiplier_percent: int | None
    bonus_points: int | None
    bonus_threshold_fen: int
    budget_points: int | None
    spent_points: int = Field(description="Points given so far (returns do not give back)")
    reward_top_n: int | None
    reward_points: int | None
    reward_tier_code: str | None
    reward_tier_until: date | None
    giveaway_definition_id: uuid.UUID | None
    giveaway_threshold_fen: int | None
    giveaway_quantity: int | None
    coupons_given: int = Field(description="Coupons its giveaway gave so far")
    closed_at: datetime | None = Field(description="When its close-out ran (null: not yet)")
    created_at: datetime
    created_by: str
    updated_at: datetime | None = Field(
        description="When last changed or ended early (null: never)"
    )
    updated_by: str | None


class CampaignList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_CAMPAIGN_OUT], "next_cursor": None}]}
    )

    items: list[CampaignOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to read the next page; null on the last page"
    )


class Spender(BaseModel):
    rank: int = Field(description="1 for the highest spend")
    member_id: uuid.UUID
    qualifying_spend_fen: int = Field(
        description="Net fen of the member's lines in scope inside the window, less returns"
    )


class Leaderboard(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": "3c9e2f4a-7b1d-4e5f-9a0b-1c2d3e4f5a6b",
                    "items": [
                        {
                            "rank": 1,
                            "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                            "qualifying_spend_fen": 1_250_000,
                        }
                    ],
                }
            ]
        }
    )

    campaign_id: uuid.UUID
    items: list[Spender]
