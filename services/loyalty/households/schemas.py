"""Bodies of the household policy endpoint."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.loyalty.households.domain import LeavingShare

_LEAVING = (
    "What a member leaving a household takes from its account: `nothing`, "
    "`earned_share` (the balance in proportion to the points they brought and earned "
    "there since joining, against every holder's), or `equal_share` (the balance divided "
    "by the number of holders). Shares round down. The last member to leave takes it all."
)


class HouseholdPolicyIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"leaving_share": "equal_share"}]},
    )

    leaving_share: LeavingShare = Field(description=_LEAVING)


class HouseholdPolicyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"leaving_share": "earned_share", "updated_at": "2026-11-30T04:00:00Z"}]
        }
    )

    leaving_share: LeavingShare = Field(description=_LEAVING)
    updated_at: datetime | None = Field(description="null while the default applies")
