"""Purchase histories the CLV tests load through analytics' handlers.

A fit takes every member who bought by its calibration end, so other tests' members of
earlier dates are in it too: :func:`expected` computes what a fit must find from all the
purchase facts, by the pure definition (:func:`services.analytics.clv.domain.history`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlmodel import col, select

from services.analytics.clv import domain
from services.analytics.facts.models import Purchase
from shared.db import Sessions
from shared.events import CloudEvent
from tests.analytics import events
from tests.analytics.conftest import Feed, apply

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Periods:
    """A simulated history's first day, calibration end (39 weeks on) and holdout end
    (13 weeks after)."""

    start: date

    @property
    def calibration_end(self) -> date:
        return self.start + timedelta(weeks=39)

    @property
    def holdout_end(self) -> date:
        return self.start + timedelta(weeks=52)


def at(day: date, hour: int = 3) -> datetime:
    """A UTC moment on ``day`` of the brand (Asia/Shanghai is UTC+8: hours 0-15 UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def simulated(members: int, seed: int, periods: Periods) -> dict[uuid.UUID, dict[date, int]]:
    """Purchase days and their fen per member, drawn from BG/NBD and Gamma-Gamma with
    r = 1, α = 20 days, a = 1, b = 4 and spend ~ Gamma(6, ν), ν ~ Gamma(4, 1/6000 fen),
    from a first purchase in the first quarter to the holdout's end."""
    rng = np.random.default_rng(seed)
    histories: dict[uuid.UUID, dict[date, int]] = {}
    for _ in range(members):
        rate = rng.gamma(1.0, 1 / 20)
        dropout = rng.beta(1.0, 4.0)
        scale = 1 / rng.gamma(4.0, 1 / 6000)
        day = periods.start + timedelta(days=int(rng.integers(0, 90)))
        days: dict[date, int] = {}
        while day <= periods.holdout_end:
            days[day] = days.get(day, 0) + max(100, int(rng.gamma(6.0, scale)))
            if rng.random() < dropout:
                break
            day += timedelta(days=max(1, int(rng.exponential(1 / rate))))
        histories[uuid.uuid4()] = days
    return histories


async def load(
    sessions: Sessions, handlers: Feed, histories: dict[uuid.UUID, dict[date, int]]
) -> None:
    """Each purchase day as one purchase event, after the member's registration event
    dated at their last day (history before registration counts)."""
    feed: list[CloudEvent] = []
    for member_id, days in histories.items():
        feed.append(events.registered(member_id, at(max(days), 9)))
        feed.extend(events.purchase(member_id, fen, at(day)) for day, fen in days.items())
    await apply(sessions, handlers, *feed)


@dataclass(frozen=True)
class Expected:
    members: int
    repeat_members: int
    holdout_days: int


async def expected(sessions: Sessions, periods: Periods) -> Expected:
    """What a fit over ``periods`` must find in the facts as they are: members who bought
    by the calibration end, those of them with a repeat day, and their purchase days in
    the holdout (counted purchases, the brand's days)."""
    async with sessions() as session:
        rows = await session.execute(
            select(
                col(Purchase.member_id),
                col(Purchase.purchased_at),
                col(Purchase.total_fen) - col(Purchase.returned_fen),
            ).where(col(Purchase.voided_at).is_(None), col(Purchase.fully_returned).is_(False))
        )
        days: dict[uuid.UUID, dict[date, int]] = {}
        for member_id, purchased_at, fen in rows:
            day = purchased_at.astimezone(ZONE).date()
            member = days.setdefault(member_id, {})
            member[day] = member.get(day, 0) + fen
    members = repeaters = holdout = 0
    for member in days.values():
        summary = domain.history(member, periods.calibration_end)
        if summary is None:
            continue
        members += 1
        repeaters += summary.frequency > 0
        holdout += sum(1 for day in member if periods.calibration_end < day <= periods.holdout_end)
    return Expected(members, repeaters, holdout)
