"""Business hours of the desk and the due time of an SLA counted in them.

An SLA is a budget of business time: the hours the desk is open (e.g. 09:00-18:00) on
working days of the brand's timezone. Working days are those of the brand's country
calendar from the ``holidays`` library: for China, Monday to Friday without public
holidays, plus the weekend days worked in exchange for a holiday bridge (调休, such as
Saturday 10 October 2026 after Golden Week).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import get_args
from zoneinfo import ZoneInfo

import holidays

from shared.events.customer import TicketKind, TicketPriority

Kind = TicketKind
Priority = TicketPriority
KINDS: tuple[Kind, ...] = get_args(Kind)
PRIORITIES: tuple[Priority, ...] = get_args(Priority)

SLA_HOURS: dict[Kind, dict[Priority, int]] = {
    "complaint": {"urgent": 4, "high": 8, "normal": 16, "low": 24},
    "feedback": {"urgent": 8, "high": 16, "normal": 24, "low": 40},
    "suggestion": {"urgent": 16, "high": 24, "normal": 40, "low": 80},
}
"""Business hours from recording to resolution, by kind and priority: with a 09:00-18:00
desk, a complaint of normal priority has a little under two working days."""

FOLLOW_UP_HOURS = 24
"""Business hours from resolution to the follow-up call (跟踪服务)."""

_SEARCH_DAYS = 400
"""A calendar without a working day in this many days is a configuration error."""


@dataclass(frozen=True)
class BusinessHours:
    """When the desk works: ``opens`` to ``closes`` (wall-clock in ``zone``) on the days
    ``working_day`` accepts."""

    zone: ZoneInfo
    opens: time
    closes: time
    working_day: Callable[[date], bool]

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError("the desk must open before it closes")

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)

    def _next_working_day(self, day: date) -> date:
        for _ in range(_SEARCH_DAYS):
            if self.working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"no working day in the {_SEARCH_DAYS} days from {day}")

    def due_at(self, start: datetime, budget: timedelta) -> datetime:
        """The instant (UTC) ``budget`` of business time after ``start`` (aware).

        Time outside business hours does not count: a ticket recorded on Friday evening
        starts its clock on the next working morning. A budget that ends exactly at closing
        time is due then, not on the next morning.
        """
        if start.tzinfo is None:
            raise ValueError("start must be aware")
        if budget <= timedelta(0):
            raise ValueError("an SLA budget is positive")
        local = start.astimezone(self.zone)
        day = local.date()
        if self.working_day(day) and local.time() < self.closes:
            cursor = max(start.astimezone(UTC), self._at(day, self.opens))
        else:
            day = self._next_working_day(day + timedelta(days=1))
            cursor = self._at(day, self.opens)
        left = budget
        while True:
            closing = self._at(day, self.closes)
            if cursor + left <= closing:
                return cursor + left
            left -= closing - cursor
            day = self._next_working_day(day + timedelta(days=1))
            cursor = self._at(day, self.opens)


@lru_cache(maxsize=8)
def country_calendar(country: str) -> Callable[[date], bool]:
    """Working days of ``country`` (ISO 3166 code the ``holidays`` library knows), with its
    holidays and make-up working days; raises ``NotImplementedError`` for an unknown one."""
    calendar = holidays.country_holidays(country)
    return calendar.is_working_day


def sla_budget(kind: Kind, priority: Priority) -> timedelta:
    """Business time from recording to resolution for a ticket of ``kind`` and ``priority``."""
    return timedelta(hours=SLA_HOURS[kind][priority])
