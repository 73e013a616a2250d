"""Bodies of the saved segments API. A criterion's parts combine with AND and at least one
is given; every part is over the purchasing population (members with a counted purchase,
as the segmentation's reports). Money is integer fen; times carry a UTC offset."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self, TypeVar

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, JsonValue, Strict, model_validator

from services.analytics.segmentation.domain import Quadrant
from services.analytics.segmentation.kinds import CHURN_CRITERIA
from services.analytics.segmentation.kinds.base import ChurnKind
from shared.inputs import Code, PlanTime, SingleLine
from shared.inputs.integers import MAX_RUNNING_FEN

MAX_BINS = 10
MAX_TIERS = 20
MAX_TAGS = 100
MAX_PURCHASES = 1_000_000_000
MAX_REFRESH_HOURS = 24 * 31

Score = Annotated[int, Strict(), Interval(ge=1, le=MAX_BINS)]
Scores = Annotated[list[Score], Len(1, MAX_BINS)]
TierCode = Annotated[str, Code(32, pattern=r"^[a-z0-9_]+$", charset="a-z, 0-9 and _")]
Fen = Annotated[int, Strict(), Interval(ge=0, le=MAX_RUNNING_FEN)]
Count = Annotated[int, Strict(), Interval(ge=0, le=MAX_PURCHASES)]

R = TypeVar("R", bound=BaseModel)

SEGMENT_ID = "7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e"
RUN_ID = "2a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
_AT = "2026-12-01T02:00:00Z"
CRITERION_EXAMPLE: dict[str, JsonValue] = {
    "rfm": {"bins": 5, "r": [4, 5], "f": [3, 4, 5]},
    "quadrants": ["gold", "meteor"],
    "net_spend_fen": {"min": 50_000},
}


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RfmPart(_Part):
    """Allowed scores per dimension (``"f": [3, 4, 5]`` is F ≥ 3) at ``bins`` scores."""

    bins: int = Field(5, ge=2, le=MAX_BINS, description="Scores per dimension (5: quintiles)")
    r: Scores | None = Field(None, description="Recency scores allowed (5: most recent)")
    f: Scores | None = Field(None, description="Frequency scores allowed")
    m: Scores | None = Field(None, description="Monetary scores allowed")

    @model_validator(mode="after")
    def _within_bins(self) -> Self:
        if self.r is None and self.f is None and self.m is None:
            raise ValueError("name at least one of r, f, m")
        for name in ("r", "f", "m"):
            above = [s for s in getattr(self, name) or [] if s > self.bins]
            if above:
                raise ValueError(f"{name} has {above[0]}, above the {self.bins} scores (bins)")
        return self


class SleepingPart(_Part):
    months: int = Field(ge=1, le=60, description="No purchase for this many months (沉睡客户)")


class ChurnPart(_Part):
    kind: ChurnKind = Field(
        "overdue",
        description="`overdue`: days since the last purchase beyond `parameter` × the "
        "member's own average gap; `p_alive`: BG/NBD P(alive) from the latest finished "
        "CLV fit below `parameter`",
    )
    parameter: float | None = Field(
        None, ge=0, le=1000, description="The kind's parameter (default: the kind's default)"
    )

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        criterion = CHURN_CRITERIA[self.kind]
        if self.parameter is not None and not criterion.low <= self.parameter <= criterion.high:
            raise ValueError(
                f"{self.kind}'s {criterion.parameter} is {criterion.low} to {criterion.high}"
            )
        return self


class FenRange(_Part):
    min: Fen | None = None
    max: Fen | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        return _ordered(self, self.min, self.max)


class ClvPart(_Part):
    """A CLV band: members whose lifetime value by the last CLV fit done (BG/NBD and
    Gamma-Gamma, `POST /clv/fits`) is within `min`..`max` fen (inclusive), over `horizon`
    of the fit's time units at `annual_discount_rate`. Until a fit is done it holds nobody;
    each run values the members with the fit done then."""

    min: Fen | None = None
    max: Fen | None = None
    horizon: int = Field(
        52, ge=1, le=3650, description="The fit's time units ahead (52 weeks: a year)"
    )
    annual_discount_rate: float = Field(0.1, ge=0, le=1, description="Compounded per unit")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        return _ordered(self, self.min, self.max)


class CountRange(_Part):
    min: Count | None = None
    max: Count | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        return _ordered(self, self.min, self.max)


class TimeRange(_Part):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: PlanTime | None = Field(None, alias="from", description="Inclusive")
    until: PlanTime | None = Field(None, description="Exclusive")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_ is not None and self.until is not None and self.until <= self.from_:
            raise ValueError("until must be later than from")
        return self


def _ordered(model: R, low: int | None, high: int | None) -> R:
    if low is None and high is None:
        raise ValueError("give min, max or both")
    if low is not None and high is not None and high < low:
        raise ValueError("max must not be below min")
    return model


class Criterion(_Part):
    """Who is in the segment: every part given must hold."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CRITERION_EXAMPLE]})

    rfm: RfmPart | None = None
    quadrants: Annotated[list[Quadrant], Len(1, 4)] | None = Field(
        None, description="Value quadrants at the population's medians (seed 001)"
    )
    sleeping: SleepingPart | None = None
    churn_risk: ChurnPart | None = Field(None, description="At risk (流失预警)")
    tiers: Annotated[list[TierCode], Len(1, MAX_TIERS)] | None = Field(
        None, description="Loyalty tier codes now (from loyalty's events)"
    )
    tags: Annotated[list[uuid.UUID], Len(1, MAX_TAGS)] | None = Field(
        None,
        description="Brand classification tag ids (客户分类): members with any of them, as "
        "customer's `customer.member.updated` told analytics since it keeps them",
    )
    net_spend_fen: FenRange | None = Field(None, description="Net spend, inclusive")
    purchases: CountRange | None = Field(None, description="Counted purchases, inclusive")
    last_purchase: TimeRange | None = Field(None, description="The last purchase's time")
    clv: ClvPart | None = Field(None, description="A band of customer lifetime value")

    @model_validator(mode="after")
    def _something(self) -> Self:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("a criterion names at least one part")
        return self

    def stored(self) -> dict[str, Any]:
        """As kept: JSON, only the parts given, times in UTC."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class SegmentIn(_Part):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "近期高频高价值",
                    "criterion": CRITERION_EXAMPLE,
                    "refresh_every_hours": 24,
                }
            ]
        },
    )

    name: Annotated[str, SingleLine(100)]
    criterion: Criterion
    refresh_every_hours: int = Field(
        24, ge=1, le=MAX_REFRESH_HOURS, description="The schedule refreshes it this often"
    )


class SegmentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": SEGMENT_ID,
                    "name": "近期高频高价值",
                    "criterion": CRITERION_EXAMPLE,
                    "refresh_every_hours": 24,
                    "next_refresh_at": "2026-12-02T02:00:00Z",
                    "sequence": 3,
                    "members": 412,
                    "refreshed_at": _AT,
                    "created_at": "2026-11-28T02:00:00Z",
                    "updated_at": "2026-11-28T02:00:00Z",
                }
            ]
        }
    )

    id: uuid.UUID
    name: str
    criterion: dict[str, JsonValue]
    refresh_every_hours: int
    next_refresh_at: datetime = Field(description="When the schedule queues the next run")
    sequence: int = Field(description="Runs finished (the last one's number)")
    members: int = Field(description="Members after the last run")
    refreshed_at: datetime | None = Field(description="When the last run finished")
    created_at: datetime
    updated_at: datetime


class SegmentPage(BaseModel):
    items: list[SegmentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


RunState = Literal["queued", "done"]


class RunOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": RUN_ID,
                    "segment_id": SEGMENT_ID,
                    "state": "done",
                    "trigger": "request",
                    "requested_at": _AT,
                    "finished_at": "2026-12-01T02:00:01Z",
                    "sequence": 4,
                    "members": 415,
                    "added": 9,
                    "removed": 6,
                    "events": 1,
                }
            ]
        }
    )

    id: uuid.UUID
    segment_id: uuid.UUID
    state: RunState
    trigger: Literal["created", "changed", "request", "schedule"]
    requested_at: datetime
    finished_at: datetime | None
    sequence: int | None = Field(description="The run's number, once done")
    members: int | None
    added: int | None
    removed: int | None
    events: int | None = Field(description="`analytics.segment.changed` events it published")


class MemberRow(BaseModel):
    member_id: uuid.UUID
    purchases: int
    net_spend_fen: int
    last_purchase_at: datetime | None


MEMBER_HEADER = tuple(MemberRow.model_fields)


class MemberPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "member_id": "3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b",
                            "purchases": 7,
                            "net_spend_fen": 182_000,
                            "last_purchase_at": _AT,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[MemberRow]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


class SegmentRemoved(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": SEGMENT_ID}]})

    id: uuid.UUID = Field(description="The deleted segment (consumers drop their copy)")
