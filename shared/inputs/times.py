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
* ``EffectiveTime`` (``Annotated[datetime, ScheduledTime()]``), when a change of settings
  takes effect: a date and time with its UTC offset, from now (less the clock skew) to
  ``SCHEDULE_YEARS`` ahead, so a change never applies to the past.
* ``PlanTime`` (``Annotated[datetime, ScheduledTime(past=True)]``), a time a plan or a
  simulation names: the same from the earliest trading day on.
* ``PlanDate`` (``Annotated[date, CalendarDay()]``), a day a plan names (a member day's
  date): ``YYYY-MM-DD`` from the earliest trading date to ``SCHEDULE_YEARS`` ahead.

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
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from shared.inputs.config import input_defaults

EARLIEST_BIRTHDAY = date(1900, 1, 1)
SCHEDULE_YEARS = 10
"""How far ahead a scheduled change or a planned day may be."""

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


class _Marker(ABC):
    """A marker read from ISO 8601 text of ``kind`` only, then checked by :meth:`validate`;
    its JSON schema gets :meth:`describe`'s description, fixed lower end and example."""

    kind: ClassVar[type[date]]

    @abstractmethod
    def validate(self, value: Any) -> Any: ...

    @abstractmethod
    def describe(self) -> tuple[str, str | None, str]:
        """The schema's description, ``formatMinimum`` (None: a moving lower end) and
        example."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            _written_as_iso(self.kind),
            core_schema.no_info_after_validator_function(self.validate, handler(source)),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        description, minimum, example = self.describe()
        json_schema.update(description=description, examples=[example])
        if minimum is not None:
            json_schema["formatMinimum"] = minimum
        return json_schema


def _not_after_today(value: date) -> date:
    today = input_defaults().today()
    if value > today:
        raise _fault(
            "in_the_future", "must not be in the future (today is {today})", today=today.isoformat()
        )
    return value


def _instant(value: datetime) -> datetime | None:
    """``value`` in UTC, the earliest instant for one that falls before year 1 there and None
    for one past year 9999. Raises ``timezone_required`` for a time without an offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise _fault(
            "timezone_required", "must include a UTC offset, e.g. {example}", example=_TIME_EXAMPLE
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:  # only within a day of year 1 or of year 9999
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 else None


class TradingTime(_Marker):
    """Marker of a sale's time: offset required, earliest trading day to now plus skew."""

    kind = datetime

    def validate(self, value: datetime) -> datetime:
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

    def describe(self) -> tuple[str, str, str]:
        defaults = input_defaults()
        earliest = defaults.earliest_trading_time.isoformat()
        return (
            f"Date and time with a UTC offset, from {earliest} (the earliest trading "
            f"day) to now plus {int(defaults.clock_skew.total_seconds())} seconds; "
            "answered in UTC",
            earliest,
            _TIME_EXAMPLE,
        )


class Birthday(_Marker):
    """Marker of a date of birth: 1900-01-01 to today in the business timezone."""

    kind = date

    def validate(self, value: date) -> date:
        if value < EARLIEST_BIRTHDAY:
            raise _fault(
                "before_1900",
                "must not be before {earliest}",
                earliest=EARLIEST_BIRTHDAY.isoformat(),
            )
        return _not_after_today(value)

    def describe(self) -> tuple[str, str, str]:
        return (
            f"Date of birth, from {EARLIEST_BIRTHDAY.isoformat()} to today in the "
            f"business timezone ({input_defaults().business_timezone.key})",
            EARLIEST_BIRTHDAY.isoformat(),
            _DATE_EXAMPLE,
        )


class TradingDay(_Marker):
    """Marker of a day of the brand's history: the earliest trading day to today."""

    kind = date

    def validate(self, value: date) -> date:
        defaults = input_defaults()
        if value < defaults.earliest_trading_date:
            raise _fault(
                "before_earliest_trading_date",
                "must not be before {earliest}, the earliest trading day",
                earliest=defaults.earliest_trading_date.isoformat(),
            )
        return _not_after_today(value)

    def describe(self) -> tuple[str, str, str]:
        defaults = input_defaults()
        earliest = defaults.earliest_trading_date.isoformat()
        return (
            f"A day from {earliest} (the earliest trading day) to today in the business "
            f"timezone ({defaults.business_timezone.key})",
            earliest,
            "2026-11-23",
        )


class ScheduledTime(_Marker):
    """Marker of a time in a plan, offset required, up to ``SCHEDULE_YEARS`` ahead; answered
    in UTC. From now (less the clock skew), for when a change takes effect, or with
    ``past=True`` from the earliest trading day, for a sale to simulate."""

    kind = datetime

    def __init__(self, *, past: bool = False) -> None:
        self.past = past

    def validate(self, value: datetime) -> datetime:
        now = datetime.now(UTC)
        instant = _instant(value)
        if instant is not None and self.past and instant < input_defaults().earliest_trading_time:
            raise _fault(
                "before_earliest_trading_date",
                "must not be before {earliest}, the earliest trading day",
                earliest=input_defaults().earliest_trading_time.isoformat(),
            )
        if instant is not None and not self.past and instant < now - input_defaults().clock_skew:
            raise _fault(
                "in_the_past",
                "must not be in the past (now is {now}): a change never applies to the past",
                now=now.isoformat(timespec="seconds"),
            )
        if instant is None or instant > now + timedelta(days=366 * SCHEDULE_YEARS):
            raise _fault(
                "too_far_ahead", "must be within {years} years from now", years=SCHEDULE_YEARS
            )
        return instant

    def describe(self) -> tuple[str, str | None, str]:
        earliest = input_defaults().earliest_trading_time.isoformat() if self.past else None
        since = f"{earliest} (the earliest trading day)" if earliest else "now"
        return (
            f"Date and time with a UTC offset, from {since} to {SCHEDULE_YEARS} years "
            "ahead; answered in UTC",
            earliest,
            _TIME_EXAMPLE,
        )


class CalendarDay(_Marker):
    """Marker of a day a plan names (a promotion's date): the earliest trading day to
    ``SCHEDULE_YEARS`` years after today."""

    kind = date

    def validate(self, value: date) -> date:
        defaults = input_defaults()
        if value < defaults.earliest_trading_date:
            raise _fault(
                "before_earliest_trading_date",
                "must not be before {earliest}, the earliest trading day",
                earliest=defaults.earliest_trading_date.isoformat(),
            )
        if value > defaults.today() + timedelta(days=366 * SCHEDULE_YEARS):
            raise _fault(
                "too_far_ahead", "must be within {years} years from today", years=SCHEDULE_YEARS
            )
        return value

    def describe(self) -> tuple[str, str | None, str]:
        earliest = input_defaults().earliest_trading_date.isoformat()
        return (
            f"A day (YYYY-MM-DD) from {earliest} (the earliest trading day) to "
            f"{SCHEDULE_YEARS} years from today",
            earliest,
            "2026-12-12",
        )


SaleTime = Annotated[datetime, TradingTime()]
BirthDate = Annotated[date, Birthday()]
TradingDate = Annotated[date, TradingDay()]
EffectiveTime = Annotated[datetime, ScheduledTime()]
PlanTime = Annotated[datetime, ScheduledTime(past=True)]
PlanDate = Annotated[date, CalendarDay()]
