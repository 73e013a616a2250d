"""The segmentation's queries: set-based over the members read model, one statement each,
with window functions (``rank() OVER``) and ordered-set aggregates (``percentile_cont``),
never a loop over members.

``scored`` is the population (members with a counted purchase) with each member's recency,
frequency, monetary value and RFM scores; every report is an aggregate over it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Numeric,
    String,
    Subquery,
    Table,
    and_,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.sql.expression import ColumnElement

from services.analytics.facts.models import MemberStats
from services.analytics.segmentation.kinds.base import ChurnCriterion
from shared.db import AsyncSession

_members: Table = MemberStats.__table__  # type: ignore[attr-defined]


def _base(now: datetime, zone: str) -> Subquery:
    """Recency (whole business days since the last purchase, never below 0), frequency
    (counted purchases) and monetary value (net spend, fen) of each purchasing member."""
    m = _members.c
    today = cast(func.timezone(zone, bindparam("now", now, type_=DateTime(timezone=True))), Date)
    last_day = cast(func.timezone(zone, m.last_purchase_at), Date)
    return (
        select(
            m.member_id,
            func.greatest(today - last_day, 0).label("recency_days"),
            m.purchase_count.label("frequency"),
            (m.spend_fen - m.returned_fen).label("monetary_fen"),
            (cast(m.spend_fen - m.returned_fen, Numeric) / m.purchase_count).label(
                "value_per_purchase_fen"
            ),
            m.first_purchase_at,
            m.last_purchase_at,
        )
        .where(m.purchase_count >= 1, m.last_purchase_at.is_not(None))
        .subquery("base")
    )


def scored(now: datetime, zone: str, bins: int) -> Subquery:
    """The base with the RFM scores: on each dimension ``1 + bins × (rank − 1) / n``
    (integer division), ``rank()`` from worst to best (recency: most days first; frequency
    and monetary: smallest first) over the ``n`` members. Without ties that is
    ``ntile(bins)``; tied members share the score where their group starts, so members
    who bought alike score alike."""
    base = _base(now, zone)
    population = func.count().over()

    def score(order: ColumnElement[Any]) -> ColumnElement[int]:
        rank: ColumnElement[int] = func.rank().over(order_by=order)
        return 1 + (bins * (rank - 1)) // population

    return select(
        *base.c,
        score(base.c.recency_days.desc()).label("r"),
        score(base.c.frequency).label("f"),
        score(base.c.monetary_fen).label("m"),
    ).subquery("scored")


@dataclass(frozen=True)
class Cell:
    r: int
    f: int
    m: int
    members: int
    net_spend_fen: int


async def rfm_cells(session: AsyncSession, now: datetime, zone: str, bins: int) -> list[Cell]:
    """The non-empty RFM cells, best first, with their members and net spend."""
    s = scored(now, zone, bins)
    query = (
        select(s.c.r, s.c.f, s.c.m, func.count(), func.sum(s.c.monetary_fen))
        .group_by(s.c.r, s.c.f, s.c.m)
        .order_by(s.c.r.desc(), s.c.f.desc(), s.c.m.desc())
    )
    return [Cell(*(int(value) for value in row)) for row in await session.execute(query)]


async def median_cuts(session: AsyncSession, now: datetime, zone: str) -> tuple[float, float]:
    """The medians (``percentile_cont(0.5)``) of value per purchase (fen) and of purchases
    over the population; (0, 0) when there is no one."""
    base = _base(now, zone)
    row = (
        await session.execute(
            select(
                func.percentile_cont(0.5).within_group(cast(base.c.value_per_purchase_fen, Float)),
                func.percentile_cont(0.5).within_group(cast(base.c.frequency, Float)),
            )
        )
    ).one()
    return float(row[0] or 0), float(row[1] or 0)


def _sides(s: Subquery, value_cut: float, repeat_cut: float) -> tuple[ColumnElement[bool], ...]:
    """Above each cut point: (high value per purchase, high number of purchases). Value
    per purchase is compared as a double, as the median cut was computed: a member whose
    value is the median (35,000 / 3 fen) is not above it because the exact numeric
    quotient has more digits than the double."""
    return (
        cast(s.c.value_per_purchase_fen, Float) > bindparam("value_cut", value_cut, type_=Float),
        s.c.frequency > bindparam("repeat_cut", repeat_cut, type_=Numeric),
    )


@dataclass(frozen=True)
class QuadrantTotals:
    high_value: bool
    high_repeat: bool
    members: int
    net_spend_fen: int
    purchases: int


async def quadrant_totals(
    session: AsyncSession, now: datetime, zone: str, value_cut: float, repeat_cut: float
) -> list[QuadrantTotals]:
    """Members, net spend and purchases on each side of both cut points."""
    base = _base(now, zone)
    high_value, high_repeat = _sides(base, value_cut, repeat_cut)
    query = select(
        high_value.label("hv"),
        high_repeat.label("hr"),
        func.count(),
        func.sum(base.c.monetary_fen),
        func.sum(base.c.frequency),
    ).group_by("hv", "hr")
    return [
        QuadrantTotals(bool(row[0]), bool(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in await session.execute(query)
    ]


@dataclass(frozen=True)
class Point:
    member_id: uuid.UUID
    value_per_purchase_fen: float
    frequency: int
    monetary_fen: int
    high_value: bool
    high_repeat: bool


async def quadrant_sample(
    session: AsyncSession, now: datetime, zone: str, cuts: tuple[float, float], limit: int
) -> list[Point]:
    """Up to ``limit`` purchasing members with their sides of the ``(value, repeat)`` cut
    points: a fixed pseudo-random sample (the first by the MD5 of their id), the same
    members on every call while the population stays."""
    base = _base(now, zone)
    high_value, high_repeat = _sides(base, *cuts)
    query = (
        select(
            base.c.member_id,
            cast(base.c.value_per_purchase_fen, Float),
            base.c.frequency,
            base.c.monetary_fen,
            high_value,
            high_repeat,
        )
        .order_by(func.md5(cast(base.c.member_id, String)))
        .limit(limit)
    )
    return [Point(*row) for row in await session.execute(query)]


async def population(session: AsyncSession, now: datetime, zone: str) -> tuple[int, int]:
    """The purchasing members and their net spend (fen)."""
    base = _base(now, zone)
    row = (
        await session.execute(select(func.count(), func.coalesce(func.sum(base.c.monetary_fen), 0)))
    ).one()
    return int(row[0]), int(row[1])


async def top_spend(
    session: AsyncSession, now: datetime, zone: str, counts: list[int]
) -> dict[int, int]:
    """The net spend of the top ``k`` members by net spend, for each ``k`` in ``counts``
    (a running sum over the members in descending net spend, ties by member id)."""
    base = _base(now, zone)
    ranked = select(
        func.row_number().over(order_by=(base.c.monetary_fen.desc(), base.c.member_id)).label("k"),
        func.sum(base.c.monetary_fen)
        .over(order_by=(base.c.monetary_fen.desc(), base.c.member_id))
        .label("running"),
    ).subquery("ranked")
    query = select(ranked.c.k, ranked.c.running).where(ranked.c.k.in_(counts))
    return {int(k): int(running) for k, running in await session.execute(query)}


async def sleeping(
    session: AsyncSession, now: datetime, zone: str, since: datetime
) -> tuple[int, int]:
    """(purchasing members, those whose last purchase is before ``since``)."""
    base = _base(now, zone)
    row = (
        await session.execute(
            select(func.count(), func.count().filter(base.c.last_purchase_at < since))
        )
    ).one()
    return int(row[0]), int(row[1])


async def at_risk(
    session: AsyncSession, now: datetime, zone: str, criterion: ChurnCriterion, value: float
) -> tuple[int, int]:
    """(purchasing members, those ``criterion`` at ``value`` puts at risk)."""
    base = _base(now, zone)
    condition = criterion.at_risk(dict(base.c.items()), value)
    row = (await session.execute(select(func.count(), func.count().filter(condition)))).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class PageQuery:
    """One page of scored members: the scoring, the cut points and criteria that flag
    them, the filters (``None``: any) and the keyset position."""

    now: datetime
    zone: str
    bins: int
    value_cut: float
    repeat_cut: float
    sleeping_since: datetime
    criterion: ChurnCriterion
    criterion_value: float
    scores: dict[str, int]
    sides: tuple[bool, bool] | None
    sleeping: bool | None
    churn_risk: bool | None
    after: uuid.UUID | None
    limit: int


async def member_page(session: AsyncSession, q: PageQuery) -> list[dict[str, Any]]:
    """Scored members in member id order after ``q.after``, at most ``q.limit``, each with
    its quadrant's sides, sleeping and churn flags."""
    s = scored(q.now, q.zone, q.bins)
    high_value, high_repeat = _sides(s, q.value_cut, q.repeat_cut)
    is_sleeping = s.c.last_purchase_at < q.sleeping_since
    is_at_risk = q.criterion.at_risk(dict(s.c.items()), q.criterion_value)
    conditions: list[ColumnElement[bool]] = [s.c[name] == value for name, value in q.scores.items()]
    if q.sides is not None:
        conditions += [high_value.is_(q.sides[0]), high_repeat.is_(q.sides[1])]
    if q.sleeping is not None:
        conditions.append(is_sleeping.is_(q.sleeping))
    if q.churn_risk is not None:
        conditions.append(func.coalesce(is_at_risk, False).is_(q.churn_risk))
    if q.after is not None:
        conditions.append(s.c.member_id > q.after)
    query = (
        select(
            s.c.member_id,
            s.c.recency_days,
            s.c.frequency,
            s.c.monetary_fen,
            s.c.r,
            s.c.f,
            s.c.m,
            high_value.label("high_value"),
            high_repeat.label("high_repeat"),
            is_sleeping.label("sleeping"),
            func.coalesce(is_at_risk, False).label("churn_risk"),
        )
        .where(and_(True, *conditions))
        .order_by(s.c.member_id)
        .limit(q.limit)
    )
    return [dict(row._mapping) for row in await session.execute(query)]
