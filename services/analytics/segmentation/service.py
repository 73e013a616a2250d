"""The segmentation's reports: the queries through the rules. Reads only; ``now`` is the
time of the request and days are the brand's (``zone``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select

from services.analytics.clv import service as clv
from services.analytics.reads import begin_report
from services.analytics.segmentation import domain, repository
from services.analytics.segmentation import selection as selection_statement
from services.analytics.segmentation.errors import ChurnParameterInvalid, ScoreOutOfRange
from services.analytics.segmentation.kinds import CHURN_CRITERIA
from services.analytics.segmentation.kinds.base import ChurnCriterion, ChurnKind
from services.analytics.segmentation.schemas import (
    MEMBER_HEADER,
    ChurnWarningReport,
    ParetoPoint,
    ParetoReport,
    QuadrantPoint,
    QuadrantReport,
    QuadrantRow,
    RfmCell,
    RfmReport,
    SegmentMember,
    SegmentMemberPage,
    SleepingReport,
)
from shared.csvtext import csv_text
from shared.db import AsyncSession
from shared.pagination import keyset_page


async def rfm_report(session: AsyncSession, zone: ZoneInfo, bins: int) -> RfmReport:
    """Members and net spend (fen) per RFM cell, ``bins`` (2 to 10) scores per dimension,
    recency in business days of ``zone`` (the RFM model of Hughes, *Strategic Database
    Marketing*, 1994; scoring rule in :func:`repository.scored`)."""
    now = datetime.now(UTC)
    await begin_report(session)
    cuts = await repository.score_cuts(session, now, zone.key, bins)
    cells = await repository.rfm_cells(session, now, zone.key, cuts)
    return RfmReport(
        bins=bins,
        members=sum(cell.members for cell in cells),
        cells=[RfmCell(**vars(cell)) for cell in cells],
        as_of=now,
    )


def rfm_csv(report: RfmReport) -> str:
    header = ("r", "f", "m", "members", "net_spend_fen")
    return csv_text(header, ([getattr(c, name) for name in header] for c in report.cells))


async def _cuts(
    session: AsyncSession, now: datetime, zone: ZoneInfo, value: float | None, repeat: float | None
) -> tuple[float, float]:
    if value is not None and repeat is not None:
        return value, repeat
    median_value, median_repeat = await repository.median_cuts(session, now, zone.key)
    return (median_value if value is None else value, median_repeat if repeat is None else repeat)


async def quadrant_report(
    session: AsyncSession, zone: ZoneInfo, value_cut: float | None, repeat_cut: float | None
) -> QuadrantReport:
    """Seed 001's four value quadrants; each cut point is the population's median unless
    given."""
    now = datetime.now(UTC)
    await begin_report(session)
    value, repeat = await _cuts(session, now, zone, value_cut, repeat_cut)
    totals = {
        (t.high_value, t.high_repeat): t
        for t in await repository.quadrant_totals(session, now, zone.key, value, repeat)
    }
    members = sum(t.members for t in totals.values())
    spend = sum(t.net_spend_fen for t in totals.values())
    rows = []
    for quadrant in domain.QUADRANTS:
        sides = domain.SIDES[quadrant]
        found = totals.get(sides)
        rows.append(
            QuadrantRow(
                quadrant=quadrant,
                name=domain.QUADRANT_NAMES[quadrant],
                high_value=sides[0],
                high_repeat=sides[1],
                members=found.members if found else 0,
                member_share=domain.share(found.members if found else 0, members),
                net_spend_fen=found.net_spend_fen if found else 0,
                net_spend_share=domain.share(found.net_spend_fen if found else 0, spend),
                purchases=found.purchases if found else 0,
            )
        )
    return QuadrantReport(
        value_cut_from="median" if value_cut is None else "given",
        value_cut_fen=value,
        repeat_cut_from="median" if repeat_cut is None else "given",
        repeat_cut=repeat,
        members=members,
        quadrants=rows,
        as_of=now,
    )


async def quadrant_sample(
    session: AsyncSession, zone: ZoneInfo, cuts: tuple[float, float], points: int
) -> list[QuadrantPoint]:
    """Up to ``points`` members, a fixed sample of the population, each with their value
    per purchase, purchases and quadrant for the ``(value, repeat)`` cut points (as
    :func:`quadrant_report` answers them): a scatter of the quadrants."""
    now = datetime.now(UTC)
    return [
        QuadrantPoint(
            member_id=point.member_id,
            value_per_purchase_fen=round(point.value_per_purchase_fen, 2),
            purchases=point.frequency,
            net_spend_fen=point.monetary_fen,
            quadrant=domain.quadrant(point.high_value, point.high_repeat),
        )
        for point in await repository.quadrant_sample(session, now, zone.key, cuts, points)
    ]


def quadrant_csv(report: QuadrantReport) -> str:
    header = tuple(QuadrantRow.model_fields)
    return csv_text(header, ([getattr(q, name) for name in header] for q in report.quadrants))


async def pareto_report(
    session: AsyncSession, zone: ZoneInfo, top_percent: float, step_percent: int
) -> ParetoReport:
    """The 80/20 view (二八法则, seed 001): the share of net spend from the top
    ``top_percent`` % of members, and the curve at every ``step_percent`` %."""
    now = datetime.now(UTC)
    await begin_report(session)
    members, spend = await repository.population(session, now, zone.key)
    percents = domain.curve_percents(step_percent)
    counts = {p: domain.top_count(members, p) for p in percents}
    top_members = domain.top_count(members, top_percent)
    running = await repository.top_spend(
        session, now, zone.key, sorted({*counts.values(), top_members} - {0}), members
    )
    curve = [
        ParetoPoint(
            members_percent=p,
            members=k,
            net_spend_fen=running.get(k, 0),
            share=domain.share(running.get(k, 0), spend),
        )
        for p, k in counts.items()
    ]
    return ParetoReport(
        members=members,
        net_spend_fen=spend,
        top_percent=top_percent,
        top_members=top_members,
        top_net_spend_fen=running.get(top_members, 0),
        top_share=domain.share(running.get(top_members, 0), spend),
        curve=curve,
        as_of=now,
    )


def pareto_csv(report: ParetoReport) -> str:
    header = tuple(ParetoPoint.model_fields)
    return csv_text(header, ([getattr(p, name) for name in header] for p in report.curve))


async def sleeping_report(session: AsyncSession, zone: ZoneInfo, months: int) -> SleepingReport:
    """Purchasing members with no purchase for ``months`` months (沉睡客户, seed 003)."""
    now = datetime.now(UTC)
    since = domain.sleeping_since(now, months, zone)
    members, asleep = await repository.sleeping(session, now, zone.key, since)
    return SleepingReport(
        months=months,
        since=since,
        members=members,
        sleeping=asleep,
        share=domain.share(asleep, members),
        as_of=now,
    )


def summary_csv(report: SleepingReport | ChurnWarningReport) -> str:
    """A one-row report as CSV: its fields as the header, times in ISO 8601."""
    row = report.model_dump(mode="json")
    return csv_text(row, [row.values()])


def churn_criterion(kind: ChurnKind, value: float | None) -> tuple[ChurnCriterion, float]:
    """The criterion and its parameter's value (its default when ``None``). Raises
    :class:`ChurnParameterInvalid` (422, ``churn_parameter``) outside its bounds."""
    criterion = CHURN_CRITERIA[kind]
    if value is None:
        return criterion, criterion.default
    if not criterion.low <= value <= criterion.high:
        raise ChurnParameterInvalid(
            f"churn criterion {kind}'s {criterion.parameter} is {criterion.low} to "
            f"{criterion.high}, not {value}",
            field="churn_parameter",
            where="query",
        )
    return criterion, value


async def churn_report(
    session: AsyncSession, zone: ZoneInfo, kind: ChurnKind, value: float | None
) -> ChurnWarningReport:
    """Purchasing members a churn criterion puts at risk (流失预警, seed 000). Raises
    :class:`ChurnParameterInvalid`."""
    criterion, used = churn_criterion(kind, value)
    now = datetime.now(UTC)
    members, flagged = await repository.at_risk(session, now, zone.key, criterion, used)
    return ChurnWarningReport(
        criterion=kind,
        parameter=criterion.parameter,
        value=used,
        definition=criterion.description,
        members=members,
        at_risk=flagged,
        share=domain.share(flagged, members),
        as_of=now,
    )


@dataclass(frozen=True)
class MemberFilters:
    """What ``GET /segmentation/members`` was asked: the scoring and flags, and filters
    (``None``: any)."""

    bins: int
    value_cut: float | None
    repeat_cut: float | None
    months: int
    churn: ChurnKind
    churn_parameter: float | None
    scores: dict[str, int]
    quadrant: domain.Quadrant | None
    sleeping: bool | None
    churn_risk: bool | None


async def member_page(
    session: AsyncSession,
    zone: ZoneInfo,
    filters: MemberFilters,
    after: uuid.UUID | None,
    limit: int,
) -> SegmentMemberPage:
    """One page of scored members, in member id order. Raises :class:`ScoreOutOfRange`
    (a score filter above ``bins``) or :class:`ChurnParameterInvalid`."""
    for name, score in filters.scores.items():
        if score > filters.bins:
            raise ScoreOutOfRange(
                f"{name} is {score}, above the {filters.bins} scores asked for (bins)",
                field=name,
                where="query",
            )
    criterion, used = churn_criterion(filters.churn, filters.churn_parameter)
    now = datetime.now(UTC)
    await begin_report(session)
    value, repeat = await _cuts(session, now, zone, filters.value_cut, filters.repeat_cut)
    rows = await repository.member_page(
        session,
        repository.PageQuery(
            now=now,
            zone=zone.key,
            cuts=await repository.score_cuts(session, now, zone.key, filters.bins),
            value_cut=value,
            repeat_cut=repeat,
            sleeping_since=domain.sleeping_since(now, filters.months, zone),
            criterion=criterion,
            criterion_value=used,
            scores=filters.scores,
            sides=None if filters.quadrant is None else domain.SIDES[filters.quadrant],
            sleeping=filters.sleeping,
            churn_risk=filters.churn_risk,
            after=after,
            limit=limit + 1,
        ),
    )
    rows, cursor = keyset_page(rows, limit, lambda row: str(row["member_id"]))
    items = [
        SegmentMember(
            member_id=row["member_id"],
            recency_days=row["recency_days"],
            frequency=row["frequency"],
            monetary_fen=row["monetary_fen"],
            r=row["r"],
            f=row["f"],
            m=row["m"],
            rfm=f"{row['r']}{row['f']}{row['m']}",
            quadrant=domain.quadrant(row["high_value"], row["high_repeat"]),
            sleeping=row["sleeping"],
            churn_risk=row["churn_risk"],
        )
        for row in rows
    ]
    return SegmentMemberPage(items=items, next_cursor=cursor)


def member_csv(page: SegmentMemberPage) -> str:
    return csv_text(
        MEMBER_HEADER, ([getattr(item, name) for name in MEMBER_HEADER] for item in page.items)
    )


@dataclass(frozen=True)
class Criteria:
    """What a saved segment selects (every part given narrows it; ``None``: open): RFM
    scores allowed per dimension at ``bins``, quadrants (median cuts), sleeping for
    ``sleeping_months``, at risk under a churn criterion (kind, parameter or its
    default), tiers, tags (any of them), inclusive ranges of net spend (fen) and
    purchases, and a ``[from, until)`` range of the last purchase."""

    bins: int
    scores: dict[str, list[int]]
    quadrants: list[domain.Quadrant] | None
    sleeping_months: int | None
    churn: tuple[ChurnKind, float | None] | None
    tiers: list[str] | None
    tags: list[uuid.UUID] | None
    net_spend_fen: tuple[int | None, int | None]
    purchases: tuple[int | None, int | None]
    last_purchase: tuple[datetime | None, datetime | None]
    clv: ClvBand | None = None


@dataclass(frozen=True)
class ClvBand:
    """Members whose CLV by the last CLV fit done, over ``horizon`` of its time units at
    ``annual_discount_rate``, is within ``[low_fen, high_fen]`` (fen; either bound open)."""

    low_fen: int | None
    high_fen: int | None
    horizon: int
    annual_discount_rate: float


async def selection(
    session: AsyncSession, zone: ZoneInfo, now: datetime, criteria: Criteria
) -> Select[tuple[uuid.UUID]]:
    """The member ids ``criteria`` select at ``now``, as one SQL statement over the same
    scoring as the reports (quadrant cuts: the population's medians, computed first).
    Raises :class:`ChurnParameterInvalid`."""
    criterion, used = (None, 0.0) if criteria.churn is None else churn_criterion(*criteria.churn)
    value, repeat = (0.0, 0.0)
    if criteria.quadrants is not None:
        value, repeat = await _cuts(session, now, zone, None, None)
    months, band = criteria.sleeping_months, criteria.clv
    return selection_statement.member_ids(
        selection_statement.Selection(
            now=now,
            zone=zone.key,
            cuts=await repository.score_cuts(session, now, zone.key, criteria.bins)
            if criteria.scores
            else repository.ScoreCuts((), (), ()),
            scores=criteria.scores,
            sides=None
            if criteria.quadrants is None
            else [domain.SIDES[q] for q in criteria.quadrants],
            value_cut=value,
            repeat_cut=repeat,
            sleeping_since=None if months is None else domain.sleeping_since(now, months, zone),
            criterion=criterion,
            criterion_value=used,
            tiers=criteria.tiers,
            tags=criteria.tags,
            net_spend_fen=criteria.net_spend_fen,
            purchases=criteria.purchases,
            last_purchase=criteria.last_purchase,
            among=None
            if band is None
            else await clv.members_valued_between(
                session, band.low_fen, band.high_fen, band.horizon, band.annual_discount_rate
            ),
        )
    )
