"""Bodies of yearly-spend band rules. Spends are qualifying spend in fen over a calendar
year of the brand's timezone; at most ``MAX_BANDS`` bands, thresholds all different."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Strict, model_validator

from services.loyalty.coupon_bands.models import MAX_NAME
from shared.inputs import SingleLine, SpendFen

MAX_BANDS = 10
FIRST_YEAR = 2000
LAST_YEAR = 2999
Year = Annotated[int, Strict(), Interval(ge=FIRST_YEAR, le=LAST_YEAR)]
RunOnMonth = Annotated[int, Strict(), Interval(ge=1, le=12)]
RunOnDay = Annotated[int, Strict(), Interval(ge=1, le=28)]

_A, _B, _C = (
    "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
    "4a7d2c3b-9e5f-4a6b-8c7d-8e9f0a1b2c3d",
    "5b8e3d4c-0f6a-4b7c-9d8e-9f0a1b2c3d4e",
)
_BANDS: list[dict[str, Any]] = [
    {"min_spend_fen": 1_000_000, "definition_id": _A},
    {"min_spend_fen": 300_000, "definition_id": _B},
    {"min_spend_fen": 50_000, "definition_id": _C},
]
_RULE: dict[str, Any] = {
    "name": "年度消费回馈",
    "bands": _BANDS,
    "run_on_month": 1,
    "run_on_day": 5,
}


class BandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_spend_fen: SpendFen
    """The band's members spent at least this (``≥``) in the year."""
    definition_id: uuid.UUID


class BandRuleIn(BaseModel):
    """Each member whose qualifying spend in a year reaches a band gets one coupon of the
    highest band they reach. With ``run_on_month`` and ``run_on_day`` (1 to 28) the rule
    runs by itself on that day of each year for the year before; it can always be run on
    demand for a year."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_RULE]})

    name: Annotated[str, SingleLine(MAX_NAME)]
    bands: Annotated[list[BandIn], Len(min_length=1, max_length=MAX_BANDS)]
    run_on_month: RunOnMonth | None = None
    run_on_day: RunOnDay | None = None

    @model_validator(mode="after")
    def _distinct_and_paired(self) -> Self:
        spends = [band.min_spend_fen for band in self.bands]
        if len(set(spends)) != len(spends):
            raise ValueError("bands: each band's min_spend_fen must differ from the others'")
        if (self.run_on_month is None) != (self.run_on_day is None):
            raise ValueError("run_on_month and run_on_day go together")
        return self


class BandRuleOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _RULE
                | {
                    "id": "6c9f4e5d-1a7b-4c8d-8e9f-0a1b2c3d4e5f",
                    "created_at": "2026-11-30T02:00:00Z",
                    "created_by": "marketing-1",
                }
            ]
        }
    )

    id: uuid.UUID
    name: str
    bands: list[BandIn]
    """Highest first."""
    run_on_month: int | None
    run_on_day: int | None
    created_at: datetime
    created_by: str


class BandRunIn(BaseModel):
    """The year (of the brand's calendar) whose qualifying spend places the members: this
    year (spend so far) or an earlier one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"year": 2026}]})

    year: Year


class BandRunBandOut(BaseModel):
    min_spend_fen: int
    definition_id: uuid.UUID
    members: int
    """Members placed in this band (their coupons are granted by ``batch_id``)."""
    batch_id: uuid.UUID | None
    """The bulk grant of the band's coupons (``GET /coupons/definitions/{definition_id}/
    grants/{batch_id}``); null when nobody reached the band."""


class BandRunOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rule_id": "6c9f4e5d-1a7b-4c8d-8e9f-0a1b2c3d4e5f",
                    "year": 2026,
                    "bands": [
                        {
                            "min_spend_fen": 1_000_000,
                            "definition_id": _A,
                            "members": 12,
                            "batch_id": "5d2c9e1a-7b3f-4c8d-9e0a-1b2c3d4e5f60",
                        }
                    ],
                    "created_at": "2027-01-05T00:00:00Z",
                    "created_by": "marketing-1",
                }
            ]
        }
    )

    rule_id: uuid.UUID
    year: int
    bands: list[BandRunBandOut]
    created_at: datetime
    created_by: str
