"""Bodies of referrals. Times are instants (UTC)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.loyalty.referrals.domain import ReferralState

_EXAMPLE: dict[str, JsonValue] = {
    "id": "5c8e2f1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
    "friend": "****9e2b",
    "state": "pending",
    "referred_at": "2026-11-30T06:12:00Z",
}


class ReferralOut(BaseModel):
    id: uuid.UUID
    friend: str = Field(description="The friend, masked: the last four hex digits of their id")
    state: ReferralState = Field(description="`pending`: registered, no reward decided yet")
    referred_at: datetime = Field(description="When the friend registered")


class ReferralList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_EXAMPLE]}]})

    items: list[ReferralOut] = Field(description="The member's referrals, the latest first")
