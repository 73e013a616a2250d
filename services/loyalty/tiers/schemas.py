"""Bodies of the tiers capability's API. Money is in fen, times are UTC unless said.

Bounds: a purchase threshold is 1 to ``MAX_PURCHASE_THRESHOLD`` purchases; a rolling window
1 to 36 months; grace 0 to 5 periods; an assignment's reason one line of at most 200
characters.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, JsonValue, Strict

from services.loyalty.program.schemas import LADDER_EXAMPLE, MAX_TIERS, Ladder, TierCode
from services.loyalty.tiers.domain import QualifyBy, Window
from services.loyalty.tiers.models import MAX_GRACE_PERIODS, MAX_WINDOW_MONTHS
from shared.inputs import SingleLine

MAX_PURCHASE_THRESHOLD = 1_000_000
PurchaseCount = Annotated[int, Strict(), Interval(ge=1, le=MAX_PURCHASE_THRESHOLD)]


class LadderReplaced(Ladder):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tiers": LADDER_EXAMPLE, "accounts_moved": 0}]}
    )

    accounts_moved: int = Field(
        description="Members whose tier left the ladder and were placed on the new one"
    )


POLICY_EXAMPLE: dict[str, JsonValue] = {
    "qualify_by": "spend_or_purchases",
    "window": "calendar_year",
    "window_months": None,
    "grace_periods": 1,
    "purchase_thresholds": {"vip": 12, "star": 24, "angel": 48},
}


class TierPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [POLICY_EXAMPLE]})

    qualify_by: QualifyBy = Field(
        description=(
            "What reaches a tier: its `threshold_fen` of net spend (`spend`), its purchase "
            "count (`purchases`), both, or either"
        )
    )
    window: Window = Field(
        description=(
            "`lifetime` (promoted at once, demoted at once by returns), `calendar_year` (in "
            "the brand's timezone) or `rolling_months`; under a window a tier is reviewed at "
            "the end of its period"
        )
    )
    window_months: Annotated[int, Strict(), Interval(ge=1, le=MAX_WINDOW_MONTHS)] | None = Field(
        default=None, description="The rolling window's length; only with `rolling_months`"
    )
    grace_periods: Annotated[int, Strict(), Interval(ge=0, le=MAX_GRACE_PERIODS)] = Field(
        default=0,
        description="Periods a member keeps a tier after a period that did not qualify for it",
    )
    purchase_thresholds: Annotated[dict[TierCode, PurchaseCount], Len(0, MAX_TIERS)] = Field(
        default_factory=dict,
        description=(
            "Purchases (not returned in full) that reach each tier above the base, rising "
            "with the ladder; required for every such tier when qualify_by is `purchases` or "
            "`spend_and_purchases`"
        ),
    )


class TierPolicyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**POLICY_EXAMPLE, "updated_at": "2026-05-01T08:00:00Z"}]}
    )

    qualify_by: QualifyBy
    window: Window
    window_months: int | None
    grace_periods: int
    purchase_thresholds: dict[str, int]
    updated_at: datetime


ASSIGNMENT_EXAMPLE: dict[str, JsonValue] = {
    "tier_code": "star",
    "until": "2026-12-31",
    "reason": "补偿: 门店停业期间会员权益延期",
}


class TierAssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ASSIGNMENT_EXAMPLE]})

    tier_code: TierCode = Field(description="The tier to place the member on, on the ladder")
    until: date = Field(
        description=(
            "The last day (brand's timezone) the tier holds, today to 5 years ahead; the "
            "next day the member is placed by what they qualify for"
        )
    )
    reason: Annotated[str, SingleLine(200)] = Field(description="Why, kept in the audit")


class TierAssignmentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assignment_id": "9d1c3b7a-6f2e-4e4c-8c9b-0a1f2e3d4c5b",
                    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                    "from_tier": "vip",
                    **ASSIGNMENT_EXAMPLE,
                    "assigned_until": "2026-12-31T16:00:00Z",
                    "assigned_by": "lin@example.com",
                    "assigned_at": "2026-05-02T10:00:00Z",
                }
            ]
        }
    )

    assignment_id: uuid.UUID
    member_id: uuid.UUID
    from_tier: str
    tier_code: str
    until: date
    assigned_until: datetime = Field(description="When the assignment ends (UTC)")
    reason: str
    assigned_by: str = Field(description="The staff subject who assigned it")
    assigned_at: datetime
