"""Dates and times from outside: ISO 8601 text, an explicit UTC offset, a plausible range.

* ``SaleTime`` (``Annotated[datetime, TradingTime()]``), when a sale happened: a date and
  time with its UTC offset (``2026-11-23T14:30:00+08:00`` or ``...Z``), not before
  midnight starting the ``earliest_trading_date`` setting in the business timezone (so
  historical day-end loads reach back that far and no further) and not after now plus
  the ``clock_skew_seconds`` setting (a till's clock may run a little fast). A time without
  an offset is refused rather than guessed: the same wall time means another instant in
  another shop's timezone. The value is answered in UTC.
* ``BirthDate`` (``Annotated[date, Birthday()]``): a calendar date ``YYYY-MM-DD`` from
  1900-01-01 to today in the business timezone.
* ``TradingDate`` (``Annotated[date, TradingDay()]``), a day of the brand's history such as
  the first or last day of a report's period: a calendar date ``YYYY-MM-DD`` from the
  ``earliest_trading_date`` setting to today in the business timezone.
* ``PlannedTime`` (``Annotated[datetime, Planned()]``), when something the brand plans
  starts or ends (a reward's validity window): a date and time with its UTC offset, not
  before midnight starting the ``earliest_trading_date`` setting and before
  ``LATEST_PLANNED_TIME`` (2100-01-01 UTC). Unlike a sale's time it may lie in the future.

Only ISO 8601 text is read: pydantic's lax reading of Unix timestamps (``1700000000``) and
of a datetime for a date is refused. A time whose offset carries it outside the years
1 to 9999 once converted to UTC (``0001-01-01T00:00:00+14:00``) is a 422 like any other
out-of-range value, never an overflow further on. The range is in the JSON schema's
``description``, its fixed end in ``formatMinimum`` (the keyword ajv and the JSON Schema
format-assertion drafts use; the moving end, now, cannot be written as a constant).
Settings come from :func:`shared.inputs.configure_inputs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from shared.inputs.config import input_defaults

EARLIEST_BIRTHDAY = date(1900, 1, 1)
LATEST_PLANNED_TIME = datetime(2100, 1, 1, tzinfo=UTC)
"""A planned time is before this: far enough for any plan, and it keeps the year 9999 out."""

_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ].+")
_TIME_EXAMPLE = "2026-11-23T14:30:00+08:00"
_DATE_EXAMPLE = "1990-05-20"


def _fault(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context)


def _written_as_iso(kind: type[date]) -> Callable[[Any], Any]:
    """Let through ISO 8601 text (and values of ``kind`` built in Python), nothing else."""
    pattern, example = (
        (_DATE_TEXT, _DATE_EXAMPLE) if kind is date else (_DATETIME_TEXT, _TIME_EXAMPLE)
    )

    def check(value: Any) -> Any:
        if type(value) is kind:
            return value
        if isinstance(value, str) and pattern.fullmatch(value.strip()):
            return value.strip()
        raise _fault("iso_8601", "must be written like {example}", example=example)

    return check


def _instant(value: datetime) -> datetime | None:
    """``value`` in UTC; ``None`` past the year 9999 (year 1 is clamped to its start)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:  # only within a day of year 1 or of year 9999
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 else None


def _offset_required(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _fault(
            "timezone_required", "must include a UTC offset, e.g. {example}", example=_TIME_EXAMPLE
        )


class TradingTime:
    """Marker of a sale's time: offset required, earliest trading day to now plus skew."""

    def validate(self, value: datetime) -> datetime:
        _offset_required(value)
        defaults = input_defaults()
        earliest = defaults.earliest_trading_time
        now = datetime.now(UTC)
        instant = _instant(value)
        if instant is not None and instant < earliest:
            raise _fault(
                "before_earliest_trading_date",
                "must not be before {earliest}, the earliest trading day",
                earliest=earliest.isoformat(),
            )
        if instant is None or instant > now + defaults.clock_skew:
            raise _fault(
                "in_the_future",
                "must not be later than now plus {skew} seconds (now is {now})",
                skew=int(defaults.clock_skew.total_seconds()),
                now=now.isoformat(timespec="seconds"),
            )
        return instant

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _written_as_iso(datetime),
            core_schema.no_info_after_validator_function(self.validate, handler(source)),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        defaults = input_defaults()
        earliest = defaults.earliest_trading_time.isoformat()
        json_schema.update(
            description=(
                f"Date and time with a UTC offset, from {earliest} (the earliest trading "
                f"day) to now plus {int(defaults.clock_skew.total_seconds())} seconds; "
                "answered in UTC"
            ),
            formatMinimum=earliest,
            examples=[_TIME_EXAMPLE],
        )
        return json_schema


class Planned:
    """Marker of a planned time: offset required, earliest trading day to 2100 (UTC)."""

    def validate(self, value: datetime) -> datetime:
        _offset_required(value)
        earliest = input_defaults().earliest_trading_time
        instant = _instant(value)
        if instant is not None and instant < earliest:
            raise _fault(
                "before_earliest_trading_date",
                "must not be before {earliest}, the earliest trading day",
                earliest=earliest.isoformat(),
            )
        if instant is None or instant >= LATEST_PLANNED_TIME:
            raise _fault(
                "too_late",
                "must be before {latest}",
                latest=LATEST_PLANNED_TIME.isoformat(),
            )
        return instant

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _written_as_iso(datetime),
            core_schema.no_info_after_validator_function(self.validate, handler(source)),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        earliest = input_defaults().earliest_trading_time.isoformat()
        json_schema.update(
            description=(
                f"Date and time with a UTC offset, from {earliest} (the earliest trading "
                f"day) to before {LATEST_PLANNED_TIME.isoformat()}; answered in UTC"
            ),
            formatMinimum=earliest,
            formatExclusiveMaximum=LATEST_PLANNED_TIME.isoformat(),
            examples=[_TIME_EXAMPLE],
        )
        return json_schema


class Birthday:
    """Marker of a date of birth: 1900-01-01 to today in the business timezone."""

    def validate(self, value: date) -> date:
        if value < EARLIEST_BIRTHDAY:
            raise _fault(
                "before_1900",
                "must not be before {earliest}",
                earliest=EARLIEST_BIRTHDAY.isoformat(),
            )
        today = input_defaults().today()
        if value > today:
            raise _fault(
                "in_the_future",
                "must not be in the future (today is {today})",
                today=today.isoformat(),
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _written_as_iso(date),
            core_schema.no_info_after_validator_function(self.validate, handler(source)),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(
            description=(
                f"Date of birth, from {EARLIEST_BIRTHDAY.isoformat()} to today in the "
                f"business timezone ({input_defaults().business_timezone.key})"
            ),
            formatMinimum=EARLIEST_BIRTHDAY.isoformat(),
            examples=[_DATE_EXAMPLE],
        )
        return json_schema


class TradingDay:
    """Marker of a day of the brand's history: the earliest trading day to today."""

    def validate(self, value: date) -> date:
        defaults = input_defaults()
        if value < defaults.earliest_trading_date:
            raise _fault(
                "before_earliest_trading_date",
                "must not be before {earliest}, the earliest trading day",
                earliest=defaults.earliest_trading_date.isoformat(),
            )
        today = defaults.today()
        if value > today:
            raise _fault(
                "in_the_future",
                "must not be in the future (today is {today})",
                today=today.isoformat(),
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _written_as_iso(date),
            core_schema.no_info_after_validator_function(self.validate, handler(source)),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        defaults = input_defaults()
        earliest = defaults.earliest_trading_date.isoformat()
        json_schema.update(
            description=(
                f"A day from {earliest} (the earliest trading day) to today in the business "
                f"timezone ({defaults.business_timezone.key})"
            ),
            formatMinimum=earliest,
            examples=["2026-11-23"],
        )
        return json_schema


SaleTime = Annotated[datetime, TradingTime()]
BirthDate = Annotated[date, Birthday()]
TradingDate = Annotated[date, TradingDay()]
PlannedTime = Annotated[datetime, Planned()]
