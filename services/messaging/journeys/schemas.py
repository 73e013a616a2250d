"""Request and response bodies of journeys. Times of day are local to the member (the zone
of their phone number, else the brand's), ``HH:MM``; days are whole days."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator

from services.messaging.journeys.domain import Journey, RunState
from services.messaging.policy.schemas import TimeOfDay

HolidayKey = Literal[
    "new_year",
    "new_years_eve",
    "spring_festival",
    "tomb_sweeping",
    "labour_day",
    "dragon_boat",
    "mid_autumn",
    "national_day",
]
Days = Annotated[int, Strict(), Interval(ge=1, le=365)]

_SETTINGS: dict[str, Any] = {
    "send_at": "10:00",
    "first_purchase_welcome": {"enabled": True, "after_days": 7, "until_days": 15},
    "birthday": {"enabled": True},
    "holiday": {
        "enabled": True,
        "holidays": ["new_year", "spring_festival", "dragon_boat", "mid_autumn", "national_day"],
    },
    "win_back": {"enabled": True, "after_days": 90, "expires_days": 30},
}


class WelcomeBody(BaseModel):
    """The welcome after a member's first purchase (seed 004: 7–15 days after it): due
    ``after_days`` after its local day, expiring at the end of day ``until_days``."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    after_days: Days = Field(examples=[7])
    until_days: Days = Field(examples=[15])

    @field_validator("until_days")
    @classmethod
    def _not_before(cls, until: int, info: ValidationInfo) -> int:
        after = info.data.get("after_days")
        if after is not None and until < after:
            raise ValueError("until_days is at least after_days")
        return until


class BirthdayBody(BaseModel):
    """The birthday greeting, on the birthday (29 February: 28 February in a common year),
    naming the birthday coupon loyalty granted for it, if any."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool


class HolidayBody(BaseModel):
    """Greetings to every active member with marketing consent on the first day of each
    holiday named (Chinese holidays by the ``holidays`` library, lunar ones included)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    holidays: list[HolidayKey] = Field(max_length=8, examples=[["spring_festival"]])

    @field_validator("holidays")
    @classmethod
    def _distinct(cls, keys: list[str]) -> list[str]:
        if len(set(keys)) != len(keys):
            raise ValueError("each holiday at most once")
        return keys


class WinBackBody(BaseModel):
    """The win-back of a sleeping member: due ``after_days`` after their last purchase
    (each purchase moves it), expiring ``expires_days`` later."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    after_days: Days = Field(examples=[90])
    expires_days: Days = Field(examples=[30])


class JourneySettingsIn(BaseModel):
    """All the journeys' settings (a PUT replaces them)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_SETTINGS]})

    send_at: TimeOfDay = Field(description="The member's local time a run falls due")
    first_purchase_welcome: WelcomeBody
    birthday: BirthdayBody
    holiday: HolidayBody
    win_back: WinBackBody


class EventDrivenJourney(BaseModel):
    template: str
    trigger: str


_EVENT_DRIVEN = [
    {"template": "points_expiring", "trigger": "loyalty.points.expiring: points about to expire"}
]


class JourneySettingsOut(JourneySettingsIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _SETTINGS
                | {
                    "event_driven": _EVENT_DRIVEN,
                    "version": 2,
                    "updated_at": "2026-11-30T08:00:00Z",
                    "updated_by": "m-1",
                }
            ]
        }
    )

    event_driven: list[EventDrivenJourney] = Field(
        description="Journeys sent as their event is consumed (their templates and the "
        "messaging policy set them)"
    )
    version: int = Field(description="How many times it changed (0: never; the defaults)")
    updated_at: datetime | None
    updated_by: str | None


_RUN: dict[str, Any] = {
    "id": "0b7c9a52-3f0e-4f57-9d55-1f6f3c2a9e10",
    "journey": "birthday",
    "member_id": "6a1f4c3e-2b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "occurrence": "2027",
    "state": "scheduled",
    "due_at": "2027-03-05T02:00:00Z",
    "expires_at": "2027-03-05T16:00:00Z",
    "done_at": None,
    "reason": None,
    "context": {"coupon": {"name": "生日券", "face_value_fen": 2000}},
    "created_at": "2026-11-30T08:00:00Z",
}


class JourneyRunOut(BaseModel):
    """A member's run of a journey for one occurrence (see ``GET /journeys/runs``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_RUN]})

    id: uuid.UUID
    journey: Journey
    member_id: uuid.UUID
    occurrence: str = Field(
        description="`first-purchase`, a birthday's year, a holiday's `<date> <key>`, or "
        "the purchase id a win-back follows"
    )
    state: RunState
    due_at: datetime
    expires_at: datetime
    done_at: datetime | None
    reason: str | None = Field(description="Why it expired or was skipped")
    context: dict[str, Any] = Field(description="What its message names besides the member")
    created_at: datetime


class JourneyRunPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_RUN], "next_cursor": None}]}
    )

    items: list[JourneyRunOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class NoBody(BaseModel):
    """A POST whose path says everything."""

    model_config = ConfigDict(extra="forbid")
