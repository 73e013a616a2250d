"""The reports' use cases: each reads the figures (its own queries, or another
capability's use case: segmentation, cohorts, CLV) and answers the report's data; the
``*_csv`` functions give each report's table. Reads only. Days are the brand's (``zone``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel

from services.analytics.clv import service as clv_service
from services.analytics.cohorts import domain as cohort_domain
from services.analytics.cohorts import service as cohorts
from services.analytics.cohorts.schemas import CampaignBuyers, CohortKpisIn
from services.analytics.referrals.errors import ReportRangeInvalid
from services.analytics.reports import domain, repository
from services.analytics.reports.domain import Interval
from services.analytics.reports.schemas import (
    CampaignLift,
    ClvBin,
    ClvDistribution,
    LiftWindow,
    MembersPeriod,
    MembersReport,
    QuadrantScatter,
    RetentionCell,
    RetentionReport,
    RevenuePeriod,
    RevenueReport,
    RfCell,
    RfHeatmap,
)
from services.analytics.segmentation import service as segmentation
from services.analytics.segmentation.schemas import ParetoReport
from shared.csvtext import csv_text
from shared.db import AsyncSession

DEFAULT_SPAN: dict[Interval, int] = {"day": 30, "week": 12, "month": 12}
"""Periods a timeline shows when ``from`` is not given, ending with today's."""


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _window(
    first: date | None, last: date | None, interval: Interval, zone: ZoneInfo
) -> tuple[date, date]:
    """The window rounded out to whole periods: (first period's start, last period's last
    day). Raises :class:`ReportRangeInvalid` naming ``to`` (before ``from``) or ``from``
    (more than ``MAX_PERIODS`` periods)."""
    end = last or datetime.now(zone).date()
    start = first
    if start is None:
        start = domain.period_start(end, interval)
        for _ in range(DEFAULT_SPAN[interval] - 1):
            start = domain.period_start(start - timedelta(days=1), interval)
    if end < start:
        raise ReportRangeInvalid(f"to ({end}) is before from ({start})", field="to", where="query")
    if domain.period_count(start, end, interval) > domain.MAX_PERIODS:
        raise ReportRangeInvalid(
            f"from {start} to {end} is more than {domain.MAX_PERIODS} {interval}s: "
            "take a longer interval or a shorter window",
            field="from",
            where="query",
        )
    starts = domain.periods(start, end, interval)
    return starts[0], domain.next_period(starts[-1], interval) - timedelta(days=1)


async def revenue(
    session: AsyncSession, zone: ZoneInfo, first: date | None, last: date | None, interval: Interval
) -> RevenueReport:
    """Net revenue, counted purchases and buyers per day, ISO week or month of ``zone``
    from ``first`` to ``last`` (default: the last 30 days, 12 weeks or 12 months to today),
    rounded out to whole periods. Raises :class:`ReportRangeInvalid`."""
    start, end = _window(first, last, interval, zone)
    sales = await repository.sales_by_period(
        session,
        interval,
        zone.key,
        _midnight(start, zone),
        _midnight(end + timedelta(days=1), zone),
    )
    empty = repository.PeriodSales(0, 0, 0)
    periods = [
        RevenuePeriod(period_start=p, **vars(sales.get(p, empty)))
        for p in domain.periods(start, end, interval)
    ]
    return RevenueReport(
        interval=interval,
        first_day=start,
        last_day=end,
        net_revenue_fen=sum(p.net_revenue_fen for p in periods),
        purchases=sum(p.purchases for p in periods),
        periods=periods,
        as_of=datetime.now(UTC),
    )


async def members(
    session: AsyncSession, zone: ZoneInfo, first: date | None, last: date | None, interval: Interval
) -> MembersReport:
    """New members, registered members at each period's end and buyers per period, the
    window as :func:`revenue`'s. Raises :class:`ReportRangeInvalid`."""
    start, end = _window(first, last, interval, zone)
    since, until = _midnight(start, zone), _midnight(end + timedelta(days=1), zone)
    before, joined = await repository.registrations(session, interval, zone.key, since, until)
    sales = await repository.sales_by_period(session, interval, zone.key, since, until)
    periods, running = [], before
    for p in domain.periods(start, end, interval):
        running += joined.get(p, 0)
        buyers = sales[p].buyers if p in sales else 0
        periods.append(
            MembersPeriod(
                period_start=p, new_members=joined.get(p, 0), members=running, buyers=buyers
            )
        )
    return MembersReport(
        interval=interval, first_day=start, last_day=end, periods=periods, as_of=datetime.now(UTC)
    )


async def retention(
    session: AsyncSession, zone: ZoneInfo, first: date | None, months: int
) -> RetentionReport:
    """Monthly cohorts by first counted purchase, from ``first``'s month (default: the
    ``months`` − 1 months before this one) for ``months`` months (1 to ``MAX_COHORTS``,
    none after this month): each cohort's members and how many bought in each month since,
    up to this month. Cohorts nobody is in are left out."""
    this_month = domain.month_start(datetime.now(zone).date())
    start = domain.month_start(first) if first else domain.add_months(this_month, 1 - months)
    if start > this_month:
        raise ReportRangeInvalid(
            f"from ({start}) is after this month ({this_month})", field="from", where="query"
        )
    end = min(domain.add_months(start, months - 1), this_month)
    active = await repository.retention(session, zone.key, start, end)
    cells = []
    for offset in range(domain.months_between(start, end) + 1):
        cohort = domain.add_months(start, offset)
        size = active.get((cohort, 0), 0)
        cells += [
            RetentionCell(
                cohort=cohort,
                cohort_members=size,
                months_since=since,
                active=active.get((cohort, since), 0),
                retention=domain.ratio(active.get((cohort, since), 0), size),
            )
            for since in domain.retention_offsets(cohort, this_month)
            if size
        ]
    return RetentionReport(first_month=start, last_month=end, cells=cells, as_of=datetime.now(UTC))


async def pareto(session: AsyncSession, zone: ZoneInfo, top: float, step: int) -> ParetoReport:
    """Seed 001's 80/20 curve, as ``GET /segmentation/pareto`` answers it."""
    return await segmentation.pareto_report(session, zone, top, step)


async def quadrants(
    session: AsyncSession,
    zone: ZoneInfo,
    value_cut: float | None,
    repeat_cut: float | None,
    points: int,
) -> QuadrantScatter:
    """Seed 001's value quadrants as a scatter: a fixed sample of ``points`` members, the
    cut points (the medians unless given) and the population."""
    totals = await segmentation.quadrant_report(session, zone, value_cut, repeat_cut)
    cuts = (totals.value_cut_fen, totals.repeat_cut)
    return QuadrantScatter(
        value_cut_fen=totals.value_cut_fen,
        repeat_cut=totals.repeat_cut,
        members=totals.members,
        points=await segmentation.quadrant_sample(session, zone, cuts, points),
        as_of=totals.as_of,
    )


async def rfm(session: AsyncSession, zone: ZoneInfo, bins: int) -> RfHeatmap:
    """The RFM cells (Hughes 1994, scored as ``GET /segmentation/rfm``) summed over the
    monetary score into a ``bins`` × ``bins`` recency × frequency grid."""
    report = await segmentation.rfm_report(session, zone, bins)
    grid = domain.rf_grid(((c.r, c.f, c.members, c.net_spend_fen) for c in report.cells), bins)
    return RfHeatmap(
        bins=bins,
        members=report.members,
        cells=[RfCell(**vars(cell)) for cell in grid],
        as_of=report.as_of,
    )


async def clv(
    session: AsyncSession,
    fit_id: uuid.UUID | None,
    horizon: int,
    annual_discount_rate: float,
    bins: int,
) -> ClvDistribution:
    """The distribution of CLV (BG/NBD and Gamma-Gamma, FHL 2005) over a done fit's
    members, in ``bins`` equal-width bins, with their mean P(alive). Raises what
    :func:`services.analytics.clv.service.fit_values` raises (404 no fit, 409 not ready
    or failed)."""
    values = await clv_service.fit_values(session, fit_id, horizon, annual_discount_rate)
    found = values.clv_fen
    return ClvDistribution(
        fit_id=values.fit.id,
        calibration_end=values.fit.calibration_end,
        time_unit=values.fit.time_unit,
        horizon=horizon,
        annual_discount_rate=annual_discount_rate,
        members=int(found.size),
        undefined=values.undefined,
        total_clv_fen=round(float(found.sum())) if found.size else 0,
        mean_clv_fen=round(float(found.mean())) if found.size else 0,
        median_clv_fen=round(float(np.median(found))) if found.size else 0,
        bins=[
            ClvBin(
                low_fen=round(b.low),
                high_fen=round(b.high),
                members=b.count,
                mean_p_alive=None if b.mean_of_other is None else round(b.mean_of_other, 4),
            )
            for b in domain.histogram(found, values.p_alive, bins)
        ],
        as_of=datetime.now(UTC),
    )


async def campaign_lift(
    session: AsyncSession, zone: ZoneInfo, first: date, last: date
) -> CampaignLift:
    """Seed 003's sales lift of a campaign from ``first`` to ``last`` (both included):
    the net sales of the members who bought during it, in the window of the same length
    before, during and after (``POST /cohorts/kpis``' windows). Raises
    :class:`ReportRangeInvalid` naming ``to`` (before ``from``, or longer than a year)."""
    if last < first or (last - first).days + 1 > cohort_domain.MAX_CAMPAIGN_DAYS:
        raise ReportRangeInvalid(
            f"a campaign runs from 1 to {cohort_domain.MAX_CAMPAIGN_DAYS} days, not "
            f"{first} to {last}",
            field="to",
            where="query",
        )
    asked = CohortKpisIn(
        cohort=CampaignBuyers(kind="campaign_buyers"), first_day=first, last_day=last
    )
    kpis = await cohorts.cohort_kpis(session, asked, zone)
    lifts = {"before": None, "during": kpis.sales_lift_during, "after": kpis.sales_lift_after}
    return CampaignLift(
        first_day=first,
        last_day=last,
        participants=kpis.participants,
        windows=[
            LiftWindow(
                window=name,
                first_day=window.first_day,
                last_day=window.last_day,
                purchases=window.purchases,
                net_sales_fen=window.net_sales_fen,
                sales_lift=lifts[name],
            )
            for name, window in (
                ("before", kpis.before),
                ("during", kpis.during),
                ("after", kpis.after),
            )
        ],
        complete=kpis.complete,
        as_of=kpis.as_of,
    )


def rows_csv(rows: Sequence[BaseModel], model: type[BaseModel]) -> str:
    """Rows of one model as CSV, its fields as the header (dates ISO 8601, null empty)."""
    header = tuple(model.model_fields)
    return csv_text(header, ([row.model_dump(mode="json")[f] for f in header] for row in rows))
