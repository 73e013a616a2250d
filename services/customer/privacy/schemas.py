"""Request and response shapes of erasure and access."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Erasure(BaseModel):
    """The member's tombstone after an erasure."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": "7d1c0a52-5b7e-4c1e-9a55-2f0c8b3e4d10",
                    "status": "erased",
                    "erased_at": "2026-12-01T07:30:00Z",
                }
            ]
        }
    )

    member_id: uuid.UUID
    status: Literal["erased"] = "erased"
    erased_at: datetime
    """When customer erased them (UTC); the other services follow as they consume
    ``customer.member.erased``."""
