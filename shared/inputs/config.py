"""The settings input types read while validating, set once per process.

FastAPI validates a request without a pydantic validation context, so a type that needs a
setting (the default phone region, the business timezone, the earliest trading date, the
clock skew) reads it from here. The service app builder calls :func:`configure_inputs` with
the service's settings before the first request (a CLI that validates input does the same);
until then the defaults of :class:`~shared.settings.BaseServiceSettings` apply. A process
serves one brand, so one set of values per process is enough: tests that build several
services in one process give them the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.settings import BaseServiceSettings


@dataclass(frozen=True)
class InputDefaults:
    phone_region: str
    """ISO 3166 region a phone number typed without +country code belongs to."""
    business_timezone: ZoneInfo
    earliest_trading_date: date
    """The brand's first trading day, in the business timezone."""
    clock_skew: timedelta
    """How far ahead of this server's clock a till's sale time may be."""

    @classmethod
    def of(cls, settings: BaseServiceSettings) -> InputDefaults:
        return cls(
            phone_region=settings.phone_default_region,
            business_timezone=ZoneInfo(settings.business_timezone),
            earliest_trading_date=settings.earliest_trading_date,
            clock_skew=timedelta(seconds=settings.clock_skew_seconds),
        )

    @property
    def earliest_trading_time(self) -> datetime:
        """Midnight starting the earliest trading day, in the business timezone."""
        return datetime.combine(self.earliest_trading_date, time(), self.business_timezone)

    def today(self) -> date:
        """Today in the business timezone."""
        return datetime.now(self.business_timezone).date()


# model_construct: the declared defaults, without reading the environment at import
_current = InputDefaults.of(BaseServiceSettings.model_construct())


def input_defaults() -> InputDefaults:
    return _current


def set_input_defaults(defaults: InputDefaults) -> InputDefaults:
    """Use ``defaults`` from now on; returns the ones used so far (tests restore them)."""
    global _current
    previous, _current = _current, defaults
    return previous


def configure_inputs(settings: BaseServiceSettings) -> None:
    """Read the input settings of ``settings``; the service app builder calls this."""
    set_input_defaults(InputDefaults.of(settings))
