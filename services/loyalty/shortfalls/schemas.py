"""Bodies of the shortfalls API. Points are integers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ShortfallOut(BaseModel):
    entry_id: uuid.UUID = Field(description="The reversal's ledger entry")
    account_id: uuid.UUID
    member_id: uuid.UUID | None = Field(description="The account's owner")
    source_type: Literal["return", "void", "till_retake"] = Field(
        description="A reversal, or points a till sale took again after they were released"
    )
    source_id: uuid.UUID = Field(
        description="The return, the voided purchase, or the till reservation"
    )
    shortfall: int = Field(description="Points the reversal could not take back (spent)")
    recovered: int = Field(description="Points later earnings paid back of it")
    outstanding: int = Field(description="shortfall - recovered")
    created_at: datetime


class ShortfallPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "entry_id": "5c0e7f1e-8a1d-4c47-9a43-2b8e2f0a1c33",
                            "account_id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
                            "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                            "source_type": "return",
                            "source_id": "9d1c3b7a-6f2e-4e4c-8c9b-0a1f2e3d4c5b",
                            "shortfall": 300,
                            "recovered": 120,
                            "outstanding": 180,
                            "created_at": "2026-05-02T10:00:00Z",
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[ShortfallOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read older ones")
