"""Request and response bodies of the messaging policy. Times of day are local to the
member (the zone of their phone number, else the brand's), ``HH:MM``."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    ValidationInfo,
    field_validator,
)

from services.messaging.policy.domain import POINTS_MESSAGE_PATTERN

MAX_CAP_MESSAGES = 100
MAX_CAP_DAYS = 90
MAX_DEDUPE_HOURS = 720


def _minute(at: time) -> time:
    if at.tzinfo is not None or at.second or at.microsecond:
        raise ValueError("a local time of day as HH:MM, without seconds or offset")
    return at


TimeOfDay = Annotated[
    time, AfterValidator(_minute), PlainSerializer(lambda at: at.strftime("%H:%M"), return_type=str)
]

_POLICY: dict[str, Any] = {
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "frequency_cap": {"messages": 2, "days": 7},
    "dedupe_window_hours": 24,
    "points_message": "above:100",
}


class QuietHoursBody(BaseModel):
    """Marketing waits from ``start`` to ``end`` (past midnight when ``end`` is earlier)."""

    model_config = ConfigDict(extra="forbid")

    start: TimeOfDay = Field(examples=["21:00"])
    end: TimeOfDay = Field(examples=["08:00"])

    @field_validator("end")
    @classmethod
    def _not_empty(cls, end: time, info: ValidationInfo) -> time:
        if info.data.get("start") == end:
            raise ValueError("quiet hours end at another time than they start")
        return end


class CapBody(BaseModel):
    """At most ``messages`` marketing messages per member and channel in ``days`` days."""

    model_config = ConfigDict(extra="forbid")

    messages: Annotated[int, Strict(), Interval(ge=1, le=MAX_CAP_MESSAGES)]
    days: Annotated[int, Strict(), Interval(ge=1, le=MAX_CAP_DAYS)]


class MessagingPolicyIn(BaseModel):
    """The whole policy (a PUT replaces it). ``quiet_hours`` and ``frequency_cap`` null:
    none. ``dedupe_window_hours`` 0: no deduplication. ``points_message``: ``each_sale``,
    ``off``, ``email_only``, ``daily_digest`` or ``above:<points>``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_POLICY]})

    quiet_hours: QuietHoursBody | None
    frequency_cap: CapBody | None
    dedupe_window_hours: Annotated[int, Strict(), Interval(ge=0, le=MAX_DEDUPE_HOURS)]
    points_message: Annotated[str, Field(pattern=POINTS_MESSAGE_PATTERN, max_length=24)]


class MessagingPolicyOut(MessagingPolicyIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _POLICY | {"version": 3, "updated_at": "2026-11-30T08:00:00Z", "updated_by": "a-1"}
            ]
        }
    )

    version: int = Field(description="How many times it changed (0: never; the defaults)")
    updated_at: datetime | None
    updated_by: str | None
