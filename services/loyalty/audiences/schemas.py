"""The body of an audience: members of the program picked by what loyalty knows of them.

Every criterion is optional and they combine with AND; ``{}`` is every member. Times are
instants with a UTC offset (answered in UTC), each ``_from`` inclusive and ``_until``
exclusive; points are inclusive bounds.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.loyalty.program.schemas import MAX_TIERS, TierCode
from shared.inputs import MAX_BALANCE, PlanTime

MAX_SEGMENTS = 20
Balance = Annotated[int, Strict(), Interval(ge=0, le=MAX_BALANCE)]


class AudienceIn(BaseModel):
    """``tiers``: the member's tier now (codes on the ladder). ``joined_*``: when loyalty
    opened the member's own account (their registration, or their first purchase if that
    came first). ``last_purchase_*``: their latest purchase by sale time, voided and fully
    returned ones left out; a member with none matches no ``last_purchase_*`` bound.
    ``min_points``/``max_points``: the balance (points, pending ones included) of the
    account their points are on, their household's while they are in one. ``segments``:
    in any of these analytics saved segments, as loyalty's copy has them (the last run
    analytics published); each must be known to loyalty."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tiers": ["vip", "star"],
                    "joined_until": "2026-01-01T00:00:00+08:00",
                    "last_purchase_from": "2026-06-01T00:00:00+08:00",
                    "min_points": 500,
                }
            ]
        },
    )

    tiers: Annotated[list[TierCode], Len(min_length=1, max_length=MAX_TIERS)] | None = None
    joined_from: PlanTime | None = None
    joined_until: PlanTime | None = None
    last_purchase_from: PlanTime | None = None
    last_purchase_until: PlanTime | None = None
    segments: Annotated[list[uuid.UUID], Len(min_length=1, max_length=MAX_SEGMENTS)] | None = Field(
        default=None, description="Analytics saved segment ids: members of any of them"
    )
    min_points: Balance | None = Field(default=None, description="Points, inclusive")
    max_points: Balance | None = Field(default=None, description="Points, inclusive")

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        for low, high, name in (
            (self.joined_from, self.joined_until, "joined"),
            (self.last_purchase_from, self.last_purchase_until, "last_purchase"),
        ):
            if low is not None and high is not None and high <= low:
                raise ValueError(f"{name}_until must be later than {name}_from")
        if (
            self.min_points is not None
            and self.max_points is not None
            and self.max_points < self.min_points
        ):
            raise ValueError("max_points must not be below min_points")
        return self

    def criteria(self) -> dict[str, object]:
        """The criteria given, as JSON (times in UTC), to keep with what was resolved."""
        return self.model_dump(mode="json", exclude_none=True)
