"""Bodies of referrals and of the referral reward policy. Times are instants (UTC), money
in fen; months are the brand's (``business_timezone``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, JsonValue, Strict, model_validator

from services.loyalty.coupon_bands.schemas import BandIn
from services.loyalty.referrals.domain import Reason, ReferralState

MAX_BANDS = 10
MAX_MONTHLY_CAP = 1_000

_EXAMPLE: dict[str, JsonValue] = {
    "id": "5c8e2f1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
    "friend": "****9e2b",
    "state": "rewarded",
    "reason": None,
    "referred_at": "2026-11-30T06:12:00Z",
    "spend_fen": 35_000,
    "returned_fen": 0,
    "due_at": "2026-12-08T09:30:00Z",
    "reward_fen": 3_000,
    "coupon_id": "7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5c",
    "settled_at": "2026-12-08T09:31:00Z",
}
_NEXT_PAGE = "MjAyNi0xMS0zMFQwNjoxMjowMCswMDowMHw1YzhlMmYxYS0zYjRkLTRlNmYtOGE5Yi0wYzFkMmUzZjRhNWI="
"""``encode_cursor`` of the example's ``referred_at`` and ``id``."""
_POLICY: dict[str, Any] = {
    "bands": [
        {"min_spend_fen": 10_000, "definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"},
        {"min_spend_fen": 30_000, "definition_id": "4a7d2c3b-9e5f-4a6b-8c7d-8e9f0a1b2c3d"},
        {"min_spend_fen": 80_000, "definition_id": "5b8e3d4c-0f6a-4b7c-9d8e-9f0a1b2c3d4e"},
    ],
    "monthly_cap": 5,
}


class ReferralOut(BaseModel):
    id: uuid.UUID
    friend: str = Field(description="The friend, masked: the last four hex digits of their id")
    state: ReferralState = Field(
        description=(
            "`pending`: registered, not paid yet; `qualified`: first paid purchase made, the "
            "reward is decided at `due_at`; `rewarded`; `cancelled`; `refused`"
        )
    )
    reason: Reason | None = Field(
        description=(
            "Why it was cancelled (`returned`, `below_lowest_band`) or refused "
            "(`monthly_cap`, `same_household`); null otherwise"
        )
    )
    referred_at: datetime = Field(description="When the friend registered")
    spend_fen: int | None = Field(description="The friend's first paid purchase (null: pending)")
    returned_fen: int = Field(description="What returns inside the window took of it")
    due_at: datetime | None = Field(description="When the reward is decided (the window's end)")
    reward_fen: int | None = Field(description="The band's coupon's face value, once rewarded")
    coupon_id: uuid.UUID | None = Field(description="The referrer's coupon, once rewarded")
    settled_at: datetime | None


class ReferralList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_EXAMPLE], "next_cursor": _NEXT_PAGE}]}
    )

    items: list[ReferralOut] = Field(description="The member's referrals, the latest first")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to read the next page; null on the last page"
    )


class ReferralPolicyIn(BaseModel):
    """The referrer's reward for a friend's first paid purchase: the coupon of the highest
    band the friend's net spend reaches (``≥ min_spend_fen``); at most ``monthly_cap``
    rewards per referrer per calendar month of the brand (null: no cap)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_POLICY]})

    bands: Annotated[list[BandIn], Len(min_length=1, max_length=MAX_BANDS)]
    monthly_cap: Annotated[int, Strict(), Interval(ge=1, le=MAX_MONTHLY_CAP)] | None = Field(
        None, description=f"Rewards per referrer per month, 1 to {MAX_MONTHLY_CAP}; null: none"
    )

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        spends = [band.min_spend_fen for band in self.bands]
        if len(set(spends)) != len(spends):
            raise ValueError("bands: each band's min_spend_fen must differ from the others'")
        return self


class ReferralPolicyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _POLICY
                | {"version": 2, "updated_at": "2026-11-30T08:00:00Z", "updated_by": "mkt-1"}
            ]
        }
    )

    bands: list[BandIn] = Field(description="Lowest first")
    monthly_cap: int | None
    version: int = Field(description="How many times it was set (0: never; no rewards)")
    updated_at: datetime | None
    updated_by: str | None
