"""The segmentation's queries: set-based over the members read model (each member's
counters, kept by the consumers as the facts arrive), with ordered-set aggregates
(``percentile_disc``, ``percentile_cont``), never a loop over members.

``scored`` is the population (members with a counted purchase) with each member's recency,
frequency, monetary value and RFM scores; every report is an aggregate over it. The scores
come from cut points (:func:`score_cuts`): a sort of one column per dimension, then each
member scored by comparisons alone, so a page of members is an index scan in member id
order rather than the whole population ranked (docs/analytics.md, "At scale").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Subquery,
    Table,
    and_,
    bindparam,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import ColumnElement

from services.analytics.facts.models import MemberStats, MemberTag
from services.analytics.segmentation import domain
from services.analytics.segmentation.kinds.base import ChurnCriterion
from shared.db import AsyncSession

_members: Table = MemberStats.__table__  # type: ignore[attr-defined]
_tags: Table = MemberTag.__table__  # type: ignore[attr-defined]


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
            m.tier_code,
        )
        .where(m.purchase_count >= 1, m.last_purchase_at.is_not(None))
        .subquery("base")
    )


@dataclass(frozen=True)
class ScoreCuts:
    """Where each score from 2 to ``bins`` starts on each dimension: recency scores ``s``
    or more below ``recency[s − 2]`` days, frequency and monetary above
    ``frequency[s − 2]`` and ``monetary[s − 2]`` (empty without a population)."""

    recency: tuple[int, ...]
    frequency: tuple[int, ...]
    monetary: tuple[int, ...]


async def score_cuts(session: AsyncSession, now: datetime, zone: str, bins: int) -> ScoreCuts:
    """The RFM cut points of the population: its size, then on each dimension the
    ``k_s``-th worst value for every score ``s`` (:func:`domain.score_ranks`), by
    ``percentile_disc``: one sort of a single stored column per dimension instead of
    ranking every member three times. Recency falls as the last purchase gets later, so
    the ``k``-th worst recency is the recency of the ``k``-th earliest last purchase."""
    m = _members.c
    population = (m.purchase_count >= 1, m.last_purchase_at.is_not(None))
    n = int(await session.scalar(select(func.count()).where(*population)) or 0)
    if n == 0:
        return ScoreCuts((), (), ())
    ranks = [domain.order_fraction(k, n) for k in domain.score_ranks(n, bins)]
    fractions = bindparam("fractions", ranks, type_=ARRAY(Float))
    last, frequency, monetary = (
        await session.execute(
            select(
                func.percentile_disc(fractions).within_group(m.last_purchase_at),
                func.percentile_disc(fractions).within_group(m.purchase_count),
                func.percentile_disc(fractions).within_group(m.spend_fen - m.returned_fen),
            ).where(*population)
        )
    ).one()
    return ScoreCuts(
        tuple(domain.recency_days(now, at, ZoneInfo(zone)) for at in last),
        tuple(int(value) for value in frequency),
        tuple(int(value) for value in monetary),
    )


def _score(value: ColumnElement[Any], bounds: list[Any], type_: Any) -> ColumnElement[int]:
    """1 plus how many of ``bounds`` (ascending) are at or below ``value``:
    ``width_bucket``, one binary search per member."""
    if not bounds:
        return literal(1, Integer)
    return 1 + func.width_bucket(value, bindparam(None, bounds, type_=ARRAY(type_)))


def _recency_bounds(now: datetime, zone: str, cuts: ScoreCuts) -> list[datetime]:
    """A recency below ``days`` is a last purchase at or after the brand's midnight
    starting ``days − 1`` days ago (:func:`domain.recent_since`): the cut points as times,
    compared with the stored time (no conversion per member). A cut at 0 days scores no
    one higher, and cuts at 0 come last."""
    since = (domain.recent_since(now, days, ZoneInfo(zone)) for days in cuts.recency)
    return [at for at in since if at is not None]


def scored(now: datetime, zone: str, cuts: ScoreCuts) -> Subquery:
    """The base with the RFM scores: on each dimension ``1 + bins × (rank − 1) / n``
    (integer division), ``rank()`` from worst to best (recency: most days first; frequency
    and monetary: smallest first) over the ``n`` members. Without ties that is
    ``ntile(bins)``; tied members share the score where their group starts, so members
    who bought alike score alike. Computed row by row from ``cuts`` (:func:`score_cuts`),
    which gives the same scores."""
    base = _base(now, zone)
    c = base.c
    return select(
        *c,
        _score(c.last_purchase_at, _recency_bounds(now, zone, cuts), DateTime(timezone=True)).label(
            "r"
        ),
        # whole numbers: above a cut is at or above the cut + 1
        _score(c.frequency, [cut + 1 for cut in cuts.frequency], Integer).label("f"),
        _score(c.monetary_fen, [cut + 1 for cut in cuts.monetary], BigInteger).label("m"),
    ).subquery("scored")


@dataclass(frozen=True)
class Cell:
    r: int
    f: int
    m: int
    members: int
    net_spend_fen: int


async def rfm_cells(session: AsyncSession, now: datetime, zone: str, cuts: ScoreCuts) -> list[Cell]:
    """The non-empty RFM cells, best first, with their members and net spend."""
    s = scored(now, zone, cuts)
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


def quadrant_sides(
    s: Subquery, value_cut: float, repeat_cut: float
) -> tuple[ColumnElement[bool], ...]:
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
    high_value, high_repeat = quadrant_sides(base, value_cut, repeat_cut)
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
    high_value, high_repeat = quadrant_sides(base, *cuts)
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
    session: AsyncSession, now: datetime, zone: str, counts: list[int], members: int
) -> dict[int, int]:
    """The net spend of the top ``k`` members by net spend, for each ``k`` in ``counts``
    (1 to ``members``, the population's size): the ``k``-th largest net spends by one
    ``percentile_disc``, then one pass counting and adding the members above each
    (:func:`domain.top_sums`), instead of a running sum over every member in order."""
    if not counts:
        return {}
    base = _base(now, zone)
    spend = base.c.monetary_fen
    fractions = [domain.order_fraction(k, members) for k in counts]
    found = await session.scalar(
        select(
            func.percentile_disc(
                bindparam("fractions", fractions, type_=ARRAY(Float))
            ).within_group(spend.desc())
        )
    )
    kth = {k: int(value) for k, value in zip(counts, found or [], strict=True)}
    bounds = sorted(set(kth.values()))
    # width_bucket counts the bounds at or below a value: bound + 1 <= spend, spend is whole
    above = func.width_bucket(
        spend, bindparam("bounds", [b + 1 for b in bounds], ARRAY(BigInteger))
    )
    rows = await session.execute(
        select(above.label("b"), func.count(), func.sum(spend)).group_by("b")
    )
    buckets = {int(b): (int(n), int(total)) for b, n, total in rows}
    return domain.top_sums(counts, kth, bounds, buckets)


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
    cuts: ScoreCuts
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
    s = scored(q.now, q.zone, q.cuts)
    high_value, high_repeat = quadrant_sides(s, q.value_cut, q.repeat_cut)
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
