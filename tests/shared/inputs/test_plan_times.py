"""Times and days of a plan: when a change takes effect (now on, never the past), a time
a simulation names and a planned day (the earliest trading day on), up to 10 years ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.inputs import EffectiveTime, PlanDate, PlanTime
from tests.shared.inputs.conftest import SHANGHAI, Configure, refusal


class Change(BaseModel):
    effective_from: EffectiveTime | None = None


class Simulated(BaseModel):
    at: PlanTime | None = None


class Planned(BaseModel):
    day: PlanDate | None = None


def test_a_change_takes_effect_from_now_to_ten_years_ahead(configure: Configure) -> None:
    configure(clock_skew=timedelta(minutes=2))
    soon = datetime.now(UTC) - timedelta(minutes=1)  # within the clock skew
    assert Change(effective_from=soon).effective_from == soon
    later = datetime.now(SHANGHAI) + timedelta(days=3650)
    assert Change(effective_from=later).effective_from == later.astimezone(UTC)
    error = refusal(Change, effective_from=datetime.now(UTC) - timedelta(minutes=3))
    assert error["type"] == "in_the_past"
    assert "a change never applies to the past" in error["msg"]
    error = refusal(Change, effective_from=datetime.now(UTC) + timedelta(days=3670))
    assert (error["type"], error["msg"]) == ("too_far_ahead", "must be within 10 years from now")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2026-11-23T14:30:00", "timezone_required"),
        ("2026-11-23", "iso_8601"),
        (1700000000, "iso_8601"),
        ("9999-12-31T23:59:59-14:00", "too_far_ahead"),
        ("0001-01-01T00:00:00+14:00", "in_the_past"),
    ],
)
def test_implausible_effective_times_are_refused(value: Any, kind: str) -> None:
    assert refusal(Change, effective_from=value)["type"] == kind


def test_a_simulated_time_reaches_back_to_the_earliest_trading_day(configure: Configure) -> None:
    configure(earliest_trading_date=date(2015, 3, 1))
    first = datetime(2015, 3, 1, tzinfo=SHANGHAI)
    assert Simulated(at=first).at == first
    error = refusal(Simulated, at=first - timedelta(microseconds=1))
    assert error["msg"] == (
        "must not be before 2015-03-01T00:00:00+08:00, the earliest trading day"
    )
    ahead = datetime.now(UTC) + timedelta(days=365)
    assert Simulated(at=ahead).at == ahead


def test_a_planned_day_runs_from_the_earliest_trading_day_to_ten_years_ahead(
    configure: Configure,
) -> None:
    configure(earliest_trading_date=date(2015, 3, 1))
    assert Planned.model_validate({"day": "2015-03-01"}).day == date(2015, 3, 1)
    assert refusal(Planned, day="2015-02-28")["type"] == "before_earliest_trading_date"
    assert refusal(Planned, day="2999-01-01")["type"] == "too_far_ahead"
    assert refusal(Planned, day="12/12/2026")["type"] == "iso_8601"


@given(
    moment=st.datetimes(timezones=st.just(UTC))
    | st.datetimes().map(
        lambda naive: naive.replace(tzinfo=timezone(timedelta(minutes=naive.minute * 28 - 840)))
    )
)
def test_any_time_is_accepted_in_range_or_refused_never_raising_otherwise(
    moment: datetime,
) -> None:
    for model, field in ((Change, "effective_from"), (Simulated, "at")):
        try:
            accepted = model.model_validate({field: moment.isoformat()})
        except ValidationError as refused:
            kind = refused.errors()[0]["type"]
            assert kind in ("in_the_past", "before_earliest_trading_date", "too_far_ahead")
            continue
        value = getattr(accepted, field)
        assert value.tzinfo is UTC
        assert value <= datetime.now(UTC) + timedelta(days=3660)


def test_the_schemas_document_the_range(configure: Configure) -> None:
    configure(earliest_trading_date=date(2010, 1, 1))
    (branch, _) = Change.model_json_schema()["properties"]["effective_from"]["anyOf"]
    assert "from now to 10 years ahead" in branch["description"]
    (branch, _) = Simulated.model_json_schema()["properties"]["at"]["anyOf"]
    assert "from 2010-01-01T00:00:00+08:00 (the earliest trading day)" in branch["description"]
    (branch, _) = Planned.model_json_schema()["properties"]["day"]["anyOf"]
    assert (branch["format"], branch["formatMinimum"]) == ("date", "2010-01-01")
