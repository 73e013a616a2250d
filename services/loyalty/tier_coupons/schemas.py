"""Bodies of tier coupons: per tier of the ladder, at most ``MAX_PER_TIER`` definitions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from annotated_types import Len
from pydantic import BaseModel, ConfigDict

from services.loyalty.program.schemas import MAX_TIERS, TierCode

MAX_PER_TIER = 10

_TIERS: dict[str, Any] = {
    "vip": ["3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"],
    "star": ["4a7d2c3b-9e5f-4a6b-8c7d-8e9f0a1b2c3d", "5b8e3d4c-0f6a-4b7c-9d8e-9f0a1b2c3d4e"],
}

Definitions = Annotated[list[uuid.UUID], Len(min_length=1, max_length=MAX_PER_TIER)]


class TierCouponsIn(BaseModel):
    """Every tier's coupon definitions (a tier left out grants none)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"tiers": _TIERS}]})

    tiers: Annotated[dict[TierCode, Definitions], Len(max_length=MAX_TIERS)]


class TierCouponsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tiers": _TIERS,
                    "updated_at": "2026-11-30T02:00:00Z",
                    "updated_by": "marketing-1",
                }
            ]
        }
    )

    tiers: dict[str, list[uuid.UUID]]
    updated_at: datetime | None
    updated_by: str | None
