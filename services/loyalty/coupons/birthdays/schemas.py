"""Bodies of the birthday coupon setting."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

_EXAMPLE: dict[str, Any] = {"definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"}


class BirthdayCouponIn(BaseModel):
    """The definition granted on members' birthdays; ``null`` grants none."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    definition_id: uuid.UUID | None


class BirthdayCouponOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE | {"updated_at": "2026-11-30T02:00:00Z", "updated_by": "marketing-1"}
            ]
        }
    )

    definition_id: uuid.UUID | None
    updated_at: datetime | None
    updated_by: str | None
