"""Statements of the referral facts and the monthly counts of the referral report."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CTE, ColumnElement, Date, Table, and_, cast, func, select
from sqlalchemy.dialects.postgresql import insert

from services.analytics.facts.models import MemberStats
from services.analytics.referrals.models import ReferralFact
from shared.db import AsyncSession

_facts: Table = ReferralFact.__table__  # type: ignore[attr-defined]
_members: Table = MemberStats.__table__  # type: ignore[attr-defined]


async def record(
    session: AsyncSession, friend: uuid.UUID, referrer: uuid.UUID, column: str, at: datetime
) -> None:
    """Sets the friend's ``column`` (``referred_at``, ``qualified_at``, ``rewarded_at``)
    to ``at`` and their referrer, making their row if none; a redelivered event sets the
    same values."""
    values = {column: at, "referrer_member_id": referrer}
    await session.execute(
        insert(_facts)
        .values({"friend_member_id": friend} | values)
        .on_conflict_do_update(index_elements=["friend_member_id"], set_=values)
    )


def _month(column: ColumnElement[datetime], zone: str) -> ColumnElement[date]:
    return cast(func.date_trunc("month", func.timezone(zone, column)), Date)


async def registrations(
    session: AsyncSession, since: datetime, until: datetime, zone: str
) -> dict[date, int]:
    """Members registered in ``[since, until)``, by the brand's month."""
    month = _month(_members.c.registered_at, zone)
    query = (
        select(month, func.count())
        .where(_members.c.registered_at >= since, _members.c.registered_at < until)
        .group_by(month)
    )
    return {row[0]: int(row[1]) for row in await session.execute(query)}


async def referred(
    session: AsyncSession, since: datetime, until: datetime, zone: str
) -> dict[date, tuple[int, int, int]]:
    """Friends referred in ``[since, until)`` by the brand's month of their registration:
    (referred, qualified since, rewarded since)."""
    month = _month(_facts.c.referred_at, zone)
    query = (
        select(
            month,
            func.count(),
            func.count(_facts.c.qualified_at),
            func.count(_facts.c.rewarded_at),
        )
        .where(_facts.c.referred_at >= since, _facts.c.referred_at < until)
        .group_by(month)
    )
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in await session.execute(query)}


async def cohort_referrals(
    session: AsyncSession,
    cohort: CTE,
    qualified_in: tuple[datetime, datetime],
    windows: dict[str, tuple[datetime, datetime]],
) -> tuple[int, dict[str, int]]:
    """Of the members in ``cohort`` (a CTE with a ``member_id`` column): how many referred
    a friend whose first paid purchase fell in ``qualified_in`` (``[start, end)``), and
    how many friends registered with their code in each of ``windows``."""
    referrer = _facts.c.referrer_member_id
    in_cohort = referrer.in_(select(cohort.c.member_id))
    qualified = _facts.c.qualified_at
    referrers = await session.scalar(
        select(func.count(func.distinct(referrer))).where(
            in_cohort, qualified >= qualified_in[0], qualified < qualified_in[1]
        )
    )
    at = _facts.c.referred_at
    counts = [func.count().filter(and_(at >= start, at < end)) for start, end in windows.values()]
    row = (await session.execute(select(*counts).where(in_cohort))).one()
    return int(referrers or 0), {name: int(row[i]) for i, name in enumerate(windows)}
