"""Bodies of the CLV fit API. Times are in the fit's ``time_unit`` (a day or a week of the
brand's calendar, ``business_timezone``); money in fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.analytics.clv.domain import TimeUnit

FitState = Literal["queued", "running", "done", "failed"]


class FitRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"calibration_end": "2026-06-30", "time_unit": "week", "holdout_end": "2026-11-30"}
            ]
        },
    )

    calibration_end: date = Field(
        description="Last day (the brand's) of the calibration period; before today"
    )
    time_unit: TimeUnit = Field(default="week", description="`day` or `week`")
    holdout_end: date | None = Field(
        default=None,
        description="Last day of a holdout period after the calibration, to compare the "
        "predicted repeat purchases with the actual ones; before today",
    )


class BgNbdParameters(BaseModel):
    r: float = Field(description="Shape of the purchase rates' gamma distribution")
    alpha: float = Field(description="Scale of the purchase rates, in time units")
    a: float = Field(description="Dropout probabilities ~ Beta(a, b)")
    b: float


class SpendParameters(BaseModel):
    p: float = Field(description="Shape of a member's spend per purchase")
    q: float = Field(description="Shape of the spend scales' gamma distribution")
    gamma: float = Field(description="Scale of the spend scales, in fen")


class Holdout(BaseModel):
    predicted: float = Field(description="Repeat purchase days the fit expects in the holdout")
    actual: int = Field(description="Repeat purchase days the members made in it")


_DONE: dict[str, JsonValue] = {
    "id": "3f0e2a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
    "state": "done",
    "calibration_end": "2026-06-30",
    "holdout_end": "2026-11-30",
    "time_unit": "week",
    "requested_at": "2026-12-01T02:00:00Z",
    "finished_at": "2026-12-01T02:00:09Z",
    "failure": None,
    "members": 2357,
    "repeat_members": 946,
    "purchases": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "spend": {"p": 6.25, "q": 3.74, "gamma": 1544.0},
    "log_likelihood": -9582.4,
    "spend_log_likelihood": -4059.5,
    "holdout": {"predicted": 1723.3, "actual": 1788},
}


class FitOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_DONE]})

    id: uuid.UUID
    state: FitState = Field(
        description=(
            "`queued` until a worker takes it, `running` while it fits (queued again if "
            "the worker stops first: it is fitted again), then `done` or `failed`"
        )
    )
    calibration_end: date
    holdout_end: date | None
    time_unit: TimeUnit
    requested_at: datetime
    finished_at: datetime | None
    failure: str | None = Field(description="Why a `failed` fit failed")
    members: int | None = Field(description="Members who bought by the calibration end")
    repeat_members: int | None = Field(description="Of them, those who bought again")
    purchases: BgNbdParameters | None = Field(description="BG/NBD, maximum likelihood")
    spend: SpendParameters | None = Field(description="Gamma-Gamma, maximum likelihood")
    log_likelihood: float | None = Field(description="BG/NBD's at the estimates")
    spend_log_likelihood: float | None = Field(description="Gamma-Gamma's (spend in fen)")
    holdout: Holdout | None = Field(description="With a `holdout_end`, once done")


class MemberValue(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "fit_id": "3f0e2a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
                    "member_id": "7b6f7d4e-1c2a-4b3d-9e8f-5a6b7c8d9e0f",
                    "time_unit": "week",
                    "frequency": 2,
                    "recency": 30.43,
                    "age": 38.86,
                    "average_spend_fen": 2235,
                    "holdout_purchases": 1,
                    "horizon": 52,
                    "expected_purchases": 1.53,
                    "p_alive": 0.9,
                    "expected_average_spend_fen": 2523,
                    "annual_discount_rate": 0.1,
                    "clv_fen": 3712,
                }
            ]
        }
    )

    fit_id: uuid.UUID
    member_id: uuid.UUID
    time_unit: TimeUnit
    frequency: int = Field(description="Repeat purchase days in the calibration period")
    recency: float = Field(description="Last purchase day minus the first, in time units")
    age: float = Field(description="Calibration end minus the first purchase day (T)")
    average_spend_fen: int = Field(description="Mean net amount of the repeat days; 0 if none")
    holdout_purchases: int | None = Field(description="Purchase days in the holdout, if any")
    horizon: int = Field(description="Time units ahead the expectations cover")
    expected_purchases: float = Field(description="E[purchases in the next `horizon` units]")
    p_alive: float = Field(description="Probability the member is still active")
    expected_average_spend_fen: int = Field(description="Gamma-Gamma's E[spend per purchase]")
    annual_discount_rate: float
    clv_fen: int = Field(
        description="Expected purchases of each unit ahead × expected spend, discounted"
    )


class FitPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_DONE], "next_cursor": None}]}
    )

    items: list[FitOut] = Field(description="The newest request first")
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


FIT_HEADER = (
    "id",
    "state",
    "calibration_end",
    "holdout_end",
    "time_unit",
    "requested_at",
    "finished_at",
    "failure",
    "members",
    "repeat_members",
    "r",
    "alpha",
    "a",
    "b",
    "p",
    "q",
    "gamma",
    "log_likelihood",
    "spend_log_likelihood",
    "holdout_predicted",
    "holdout_actual",
)
"""The CSV columns of a page of fits: the fit with its parameters and holdout flattened."""


def fit_row(fit: FitOut) -> list[object]:
    """One fit as the values of :data:`FIT_HEADER` (times in ISO 8601, empty when null)."""
    flat = fit.model_dump(mode="json", exclude={"purchases", "spend", "holdout"})
    flat |= fit.purchases.model_dump() if fit.purchases else {}
    flat |= fit.spend.model_dump() if fit.spend else {}
    if fit.holdout is not None:
        flat |= {"holdout_predicted": fit.holdout.predicted, "holdout_actual": fit.holdout.actual}
    return [flat.get(name) for name in FIT_HEADER]
