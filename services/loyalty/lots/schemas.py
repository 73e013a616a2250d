"""Bodies of the points policy API. Days are the brand's (``business_timezone``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from annotated_types import Interval
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    Strict,
    StrictBool,
    model_validator,
)

from services.loyalty.lots.domain import Expiry
from services.loyalty.lots.models import (
    MAX_EXPIRY_MONTHS,
    MAX_NOTICE_DAYS,
    MAX_RETURN_WINDOW_DAYS,
    MIN_EXPIRY_MONTHS,
)

POLICY_EXAMPLE: dict[str, JsonValue] = {
    "return_window_days": 7,
    "expiry": "months_after_earning",
    "expiry_months": 12,
    "expiring_notice_days": 30,
    "shortfall_payback": True,
}


class PointsPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [POLICY_EXAMPLE]})

    return_window_days: Annotated[int, Strict(), Interval(ge=0, le=MAX_RETURN_WINDOW_DAYS)] = Field(
        0,
        description=(
            f"Days (0 to {MAX_RETURN_WINDOW_DAYS}) the points of a purchase stay pending "
            "before they can be spent; 0: available at once. A return inside the window "
            "cancels pending points first."
        ),
    )
    expiry: Expiry = Field(
        "never",
        description=(
            "`never`; `months_after_earning`: valid through the day `expiry_months` after the "
            "day of earning; `end_of_year_after_earning`: valid through 31 December of the "
            "next year. Applies to points earned (or credited by staff) from now on."
        ),
    )
    expiry_months: (
        Annotated[int, Strict(), Interval(ge=MIN_EXPIRY_MONTHS, le=MAX_EXPIRY_MONTHS)] | None
    ) = Field(
        None,
        description=(
            f"Months ({MIN_EXPIRY_MONTHS} to {MAX_EXPIRY_MONTHS}), required with "
            "`months_after_earning` and only with it"
        ),
    )
    expiring_notice_days: Annotated[int, Strict(), Interval(ge=1, le=MAX_NOTICE_DAYS)] = Field(
        30,
        description=(
            f"Days (1 to {MAX_NOTICE_DAYS}) ahead of an expiry that `loyalty.points.expiring` "
            "announces it, and that the member's view lists the points as expiring soon"
        ),
    )
    shortfall_payback: StrictBool = Field(
        False,
        description=(
            "Whether a member's next earnings first pay back what returns could not take "
            "back because the points were spent (their shortfalls)"
        ),
    )

    @model_validator(mode="after")
    def _months_with_their_expiry(self) -> Self:
        if (self.expiry == "months_after_earning") != (self.expiry_months is not None):
            raise ValueError(
                "expiry_months is required with expiry months_after_earning, and only with it"
            )
        return self


class PointsPolicyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **POLICY_EXAMPLE,
                    "updated_at": "2026-11-30T08:00:00Z",
                    "updated_by": "marketing@example.com",
                }
            ]
        }
    )

    return_window_days: int
    expiry: Expiry
    expiry_months: int | None
    expiring_notice_days: int
    shortfall_payback: bool
    updated_at: datetime | None = Field(description="When it was last set (null: never)")
    updated_by: str | None


class PendingOut(BaseModel):
    available_on: date = Field(description="The brand's day the points become spendable")
    points: int


class ExpiringOut(BaseModel):
    valid_through: date = Field(description="The brand's last day the points can be spent")
    points: int
