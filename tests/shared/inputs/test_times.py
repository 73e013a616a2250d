"""Times and dates: an explicit offset, a documented plausible range, and no overflow ever."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.inputs import BirthDate, SaleTime, TradingDate
from tests.shared.inputs.conftest import SHANGHAI, Configure, refusal


class Sale(BaseModel):
    purchased_at: SaleTime | None = None


class Profile(BaseModel):
    birthday: BirthDate | None = None


class Period(BaseModel):
    first: TradingDate | None = None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("0001-01-01T00:00:00+14:00", "before_earliest_trading_date"),
        ("0001-01-01T00:00:00-14:00", "before_earliest_trading_date"),
        ("9999-12-31T23:59:59-14:00", "in_the_future"),
        ("9999-12-31T23:59:59+14:00", "in_the_future"),
        ("1999-12-31T15:59:59Z", "before_earliest_trading_date"),
        ("2026-11-23T14:30:00", "timezone_required"),
        ("2026-11-23", "iso_8601"),
        ("1700000000", "iso_8601"),
        (1700000000, "iso_8601"),
        ("yesterday", "iso_8601"),
    ],
)
def test_implausible_sale_times_are_refused(configure: Configure, value: Any, kind: str) -> None:
    error = refusal(Sale, purchased_at=value)
    assert error["loc"] == ("purchased_at",)
    assert error["type"] == kind


def test_the_range_runs_from_the_earliest_trading_day_to_now_plus_skew(
    configure: Configure,
) -> None:
    configure(earliest_trading_date=date(2015, 3, 1), clock_skew=timedelta(minutes=2))
    first = datetime(2015, 3, 1, tzinfo=SHANGHAI)
    assert Sale(purchased_at=first).purchased_at == first
    error = refusal(Sale, purchased_at=first - timedelta(microseconds=1))
    assert error["msg"] == (
        "must not be before 2015-03-01T00:00:00+08:00, the earliest trading day"
    )
    soon = datetime.now(UTC) + timedelta(minutes=1)
    assert Sale(purchased_at=soon).purchased_at == soon
    error = refusal(Sale, purchased_at=datetime.now(UTC) + timedelta(minutes=3))
    assert error["msg"].startswith("must not be later than now plus 120 seconds")


def test_a_sale_time_is_answered_in_utc(configure: Configure) -> None:
    sale = Sale.model_validate({"purchased_at": "2026-11-23T14:30:00+08:00"})
    assert sale.purchased_at == datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
    assert sale.model_dump(mode="json") == {"purchased_at": "2026-11-23T06:30:00Z"}


@given(
    moment=st.datetimes(timezones=st.just(UTC))
    | st.datetimes().map(
        lambda naive: naive.replace(tzinfo=timezone(timedelta(minutes=naive.minute * 28 - 840)))
    )
)
def test_any_time_is_accepted_in_range_or_refused_never_raising_otherwise(
    moment: datetime,
) -> None:
    for value in (moment, moment.isoformat()):
        outcome = _accepted_orrefusal(value)
        if isinstance(outcome, str):
            assert outcome in ("before_earliest_trading_date", "in_the_future")
            continue
        assert outcome.tzinfo is UTC
        assert datetime(1999, 12, 31, 16, tzinfo=UTC) <= outcome
        assert outcome <= datetime.now(UTC) + timedelta(minutes=5)


def _accepted_orrefusal(value: datetime | str) -> datetime | str:
    """The time as accepted, or the type of the refusal."""
    try:
        accepted = Sale.model_validate({"purchased_at": value}).purchased_at
    except ValidationError as refused:
        return str(refused.errors()[0]["type"])
    assert accepted is not None
    return accepted


def test_the_schema_documents_the_range(configure: Configure) -> None:
    configure(earliest_trading_date=date(2010, 1, 1))
    (branch, _) = Sale.model_json_schema()["properties"]["purchased_at"]["anyOf"]
    assert branch["format"] == "date-time"
    assert branch["formatMinimum"] == "2010-01-01T00:00:00+08:00"
    assert "from 2010-01-01T00:00:00+08:00" in branch["description"]
    assert "now plus 300 seconds" in branch["description"]


def test_birthdays_run_from_1900_to_today_in_the_business_timezone(
    configure: Configure,
) -> None:
    # Pacific/Kiritimati is UTC+14: its today is tomorrow for most of the world
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        configure(business_timezone=ZoneInfo(zone))
        today = datetime.now(ZoneInfo(zone)).date()
        assert Profile(birthday=today).birthday == today
        error = refusal(Profile, birthday=today + timedelta(days=1))
        assert error["msg"] == f"must not be in the future (today is {today.isoformat()})"
    assert Profile.model_validate({"birthday": "1900-01-01"}).birthday == date(1900, 1, 1)
    assert refusal(Profile, birthday="1899-12-31")["msg"] == "must not be before 1900-01-01"
    assert refusal(Profile, birthday="2099-01-01")["type"] == "in_the_future"


@pytest.mark.parametrize("value", ["1990-05-20T00:00:00", 642_470_400, "20/05/1990", "0000-01-01"])
def test_a_birthday_is_a_plain_iso_date(configure: Configure, value: Any) -> None:
    error = refusal(Profile, birthday=value)
    assert error["loc"] == ("birthday",)


def test_the_birthday_schema_documents_the_range() -> None:
    (branch, _) = Profile.model_json_schema()["properties"]["birthday"]["anyOf"]
    assert (branch["format"], branch["formatMinimum"]) == ("date", "1900-01-01")
    assert "to today" in branch["description"]


def test_a_trading_day_runs_from_the_earliest_trading_day_to_today(configure: Configure) -> None:
    configure(
        earliest_trading_date=date(2015, 3, 1), business_timezone=ZoneInfo("Pacific/Kiritimati")
    )
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert Period(first=today).first == today
    assert Period.model_validate({"first": "2015-03-01"}).first == date(2015, 3, 1)
    error = refusal(Period, first="2015-02-28")
    assert (error["type"], error["msg"]) == (
        "before_earliest_trading_date",
        "must not be before 2015-03-01, the earliest trading day",
    )
    error = refusal(Period, first=today + timedelta(days=1))
    assert error["msg"] == f"must not be in the future (today is {today.isoformat()})"


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "0", 0, "20260101", "9999-12-31"])
def test_a_trading_day_is_a_plain_iso_date_in_range(configure: Configure, value: Any) -> None:
    assert refusal(Period, first=value)["loc"] == ("first",)


def test_the_trading_day_schema_documents_the_range(configure: Configure) -> None:
    configure(earliest_trading_date=date(2010, 1, 1))
    (branch, _) = Period.model_json_schema()["properties"]["first"]["anyOf"]
    assert (branch["format"], branch["formatMinimum"]) == ("date", "2010-01-01")
    assert "from 2010-01-01 (the earliest trading day) to today" in branch["description"]
