"""Pure rules of pending and expiring points: when a credit's lot becomes available and
when it expires, and what an account's lots show its holders.

Days are the brand's (``business_timezone``); instants are aware. Nothing here does I/O.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from services.loyalty.accounts.domain import OpenLot

Expiry = Literal["never", "months_after_earning", "end_of_year_after_earning"]


@dataclass(frozen=True)
class Policy:
    """The brand's points policy (see :class:`~services.loyalty.lots.models.PointsPolicy`)."""

    return_window_days: int = 0
    """Days a credit for a purchase stays pending (0: available at once)."""
    expiry: Expiry = "never"
    expiry_months: int | None = None
    """With ``months_after_earning``: months from the day of earning."""
    expiring_notice_days: int = 30
    shortfall_payback: bool = False
    """Whether the next earnings pay back reversal shortfalls first."""


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class CreditTerms:
    """When the lot of a credit made now becomes available, and when it expires."""

    pending: timedelta
    expires_at: datetime | None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month if it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_at(policy: Policy, earned_at: datetime, zone: tzinfo) -> datetime | None:
    """When points earned at ``earned_at`` expire, in UTC: at the brand's midnight ending
    their last valid day.

    ``months_after_earning`` (N): valid through the day N months after the day of earning
    (earned 15 March 2026, 12 months: valid through 15 March 2027, gone at midnight starting
    16 March); ``end_of_year_after_earning``: valid through 31 December of the next year
    (earned any day of 2026: gone at midnight starting 1 January 2028); ``never``: None.
    """
    earned_on = earned_at.astimezone(zone).date()
    if policy.expiry == "never":
        return None
    if policy.expiry == "months_after_earning":
        assert policy.expiry_months is not None  # the policy's CHECK and schema say so
        last_day = add_months(earned_on, policy.expiry_months)
    else:
        last_day = date(earned_on.year + 1, 12, 31)
    return datetime.combine(last_day + timedelta(days=1), time(), zone).astimezone(UTC)


def credit_terms(policy: Policy, now: datetime, zone: tzinfo, *, purchase: bool) -> CreditTerms:
    """Terms of a credit made at ``now``: a purchase's earn waits out the return window,
    any other credit (a staff adjustment) is available at once; both expire by the policy."""
    pending = timedelta(days=policy.return_window_days if purchase else 0)
    return CreditTerms(pending=pending, expires_at=expires_at(policy, now, zone))


def last_valid_day(expires_at: datetime, zone: tzinfo) -> date:
    """The brand's last day on which points expiring at ``expires_at`` are still valid."""
    return (expires_at - timedelta(microseconds=1)).astimezone(zone).date()


@dataclass(frozen=True)
class Dated:
    """Points of the lots that become available, or expire, on one day of the brand."""

    on: date
    points: int


@dataclass(frozen=True)
class LotsView:
    """What an account's lots show its holders at one moment."""

    available: int
    pending: tuple[Dated, ...]
    """Pending points by the day they become available, soonest first (at most one a day
    of the return window, and one more)."""
    expiring_soon: tuple[Dated, ...]
    """Points expiring within the notice days by their last valid day (the lots expire at
    the midnight ending it), soonest first."""

    @property
    def pending_points(self) -> int:
        return sum(dated.points for dated in self.pending)

    @property
    def expiring_soon_points(self) -> int:
        return sum(dated.points for dated in self.expiring_soon)


def lots_view(lots: Sequence[OpenLot], now: datetime, notice_days: int, zone: tzinfo) -> LotsView:
    """Available points, pending points by day, and points expiring within ``notice_days``
    (pending or not) by day, days in ``zone``."""
    pending: dict[date, int] = defaultdict(int)
    expiring: dict[date, int] = defaultdict(int)
    horizon = now + timedelta(days=notice_days)
    available = 0
    for lot in lots:
        if lot.available(now):
            available += lot.remaining
        else:
            pending[lot.available_at.astimezone(zone).date()] += lot.remaining
        if lot.expires_at is not None and lot.expires_at <= horizon:
            expiring[last_valid_day(lot.expires_at, zone)] += lot.remaining
    return LotsView(
        available=available,
        pending=tuple(Dated(on, points) for on, points in sorted(pending.items())),
        expiring_soon=tuple(Dated(on, points) for on, points in sorted(expiring.items())),
    )
