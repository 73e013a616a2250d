"""``GET /reports/{name}``: authorize, read the query, build the report and answer it in
the format asked. For staff with the analyst or marketing role.

One scheme for every report, ``format=`` (see :mod:`.answers`): json (the data), csv,
vl (a Vega-Lite v5 spec), svg or png."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from services.analytics.clv.errors import FitNotFound, FitNotReady
from services.analytics.config import CurrentSettings
from services.analytics.referrals.errors import ReportRangeInvalid
from services.analytics.reports import charts, service
from services.analytics.reports.answers import Presentation, presentation
from services.analytics.reports.answers import openapi_formats as _formats
from services.analytics.reports.domain import MAX_COHORTS, Interval
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
from services.analytics.segmentation.schemas import ParetoPoint, ParetoReport, QuadrantPoint
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.inputs import TradingDate
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/reports", tags=["analytics"])

Staff = Annotated[Principal, Depends(require_roles("analyst", "marketing"))]
From = Annotated[
    TradingDate | None,
    Query(alias="from", description="The first day (rounded back to its period's start)"),
]
To = Annotated[
    TradingDate | None,
    Query(alias="to", description="The last day, included (default today)"),
]
IntervalQuery = Annotated[Interval, Query(description="day, week (ISO, from Monday) or month")]
_WINDOW_PROBLEM = problem(ReportRangeInvalid("to (2026-01-01) is before from (2026-02-01)"))


def _zone(settings: CurrentSettings) -> ZoneInfo:
    return ZoneInfo(settings.business_timezone)


Zone = Annotated[ZoneInfo, Depends(_zone)]
View = Annotated[Presentation, Depends(presentation)]


def _header(model: type[BaseModel]) -> str:
    return ",".join(model.model_fields)


@router.get(
    "/revenue",
    response_model=RevenueReport,
    summary="Net revenue over time: per day, week or month",
    description=(
        "Net revenue (purchases not voided, less refunds), counted purchases and buyers "
        "per period of the brand's calendar, every period of the window (empty ones 0). "
        "The window runs `from` … `to` rounded out to whole periods (default: the last "
        "30 days, 12 weeks or 12 months to today); more than 400 periods, or `to` before "
        "`from`, is 422 `report-range-invalid` naming the parameter. The chart: bars in "
        "yuan. CSV: `" + _header(RevenuePeriod) + "`."
    ),
    responses={
        **_formats(_header(RevenuePeriod) + "\r\n2026-11-01,210,160,5120000\r\n"),
        **_WINDOW_PROBLEM,
    },
)
async def revenue(
    session: Session,
    zone: Zone,
    _: Staff,
    view: View,
    first: From = None,
    last: To = None,
    interval: IntervalQuery = "month",
) -> RevenueReport | Response:
    report = await service.revenue(session, zone, first, last, interval)
    table = (report.periods, RevenuePeriod)
    return await view.answer("revenue", report, table, lambda r: charts.revenue(r, view.size))


@router.get(
    "/members",
    response_model=MembersReport,
    summary="Members over time: registered, new and buying",
    description=(
        "Per period of the window (as `GET /reports/revenue`'s): members registered by its "
        "end, new members and members with a counted purchase in it. The chart: a line "
        "each. CSV: `" + _header(MembersPeriod) + "`."
    ),
    responses={
        **_formats(_header(MembersPeriod) + "\r\n2026-11-01,95,1280,160\r\n"),
        **_WINDOW_PROBLEM,
    },
)
async def members(
    session: Session,
    zone: Zone,
    _: Staff,
    view: View,
    first: From = None,
    last: To = None,
    interval: IntervalQuery = "month",
) -> MembersReport | Response:
    report = await service.members(session, zone, first, last, interval)
    table = (report.periods, MembersPeriod)
    return await view.answer("members", report, table, lambda r: charts.members(r, view.size))


@router.get(
    "/retention",
    response_model=RetentionReport,
    summary="Cohort retention: members by month of first purchase × months since",
    description=(
        "Each member's cohort is the month (the brand's) of their first counted purchase; "
        "a cell is the share of a cohort with a counted purchase in the month so many "
        "months after (0: its own month, 1.0). `months` cohorts from `from`'s month "
        f"(default: the last `months` to this one; 1 to {MAX_COHORTS}); months not begun "
        "yet and cohorts nobody is in are left out. A `from` after this month is 422 "
        "`report-range-invalid`. The chart: a heatmap. CSV: `" + _header(RetentionCell) + "`."
    ),
    responses={
        **_formats(_header(RetentionCell) + "\r\n2026-01-01,120,1,30,0.25\r\n"),
        **_WINDOW_PROBLEM,
    },
)
async def retention(
    session: Session,
    zone: Zone,
    _: Staff,
    view: View,
    first: From = None,
    months: Annotated[
        int, Query(ge=1, le=MAX_COHORTS, description="Cohorts (months)", examples=[12])
    ] = 12,
) -> RetentionReport | Response:
    report = await service.retention(session, zone, first, months)
    table = (report.cells, RetentionCell)
    return await view.answer("retention", report, table, lambda r: charts.retention(r, view.size))


@router.get(
    "/pareto",
    response_model=ParetoReport,
    summary="The Pareto curve: share of net spend by the top % of members",
    description=(
        "`GET /segmentation/pareto`'s figures (seed 001's 二八法则) as a curve from (0, 0) "
        "with a rule at `top` %. CSV: `" + _header(ParetoPoint) + "`."
    ),
    responses=_formats(_header(ParetoPoint) + "\r\n20,172,38120000,0.744\r\n"),
)
async def pareto(
    session: Session,
    zone: Zone,
    _: Staff,
    view: View,
    top: Annotated[
        float, Query(gt=0, le=100, description="The top this many % of members", examples=[20])
    ] = 20,
    step: Annotated[
        int, Query(ge=1, le=50, description="The curve's step, in % of members", examples=[5])
    ] = 5,
) -> ParetoReport | Response:
    report = await service.pareto(session, zone, top, step)
    table = (report.curve, ParetoPoint)
    return await view.answer("pareto", report, table, lambda r: charts.pareto(r, view.size))


@router.get(
    "/quadrants",
    response_model=QuadrantScatter,
    summary="The value quadrants as a scatter of members",
    description=(
        "Seed 001's quadrants (as `GET /segmentation/quadrants`): a fixed sample of "
        "`points` members (the same ones on every call) by purchases and value per "
        "purchase, coloured gold, meteor, brook or burden, with the cut points (the "
        "medians unless given) as rules. CSV: the points `" + _header(QuadrantPoint) + "`."
    ),
    responses=_formats(
        _header(QuadrantPoint)
        + "\r\n3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b,33333.33,3,100000,gold\r\n"
    ),
)
async def quadrants(
    session: Session,
    zone: Zone,
    _: Staff,
    view: View,
    value_cut_fen: Annotated[
        float | None, Query(ge=0, le=1e12, description="Value per purchase cut, fen")
    ] = None,
    repeat_cut: Annotated[
        float | None, Query(ge=0, le=1e9, description="Number of purchases cut")
    ] = None,
    points: Annotated[
        int, Query(ge=1, le=5000, description="Members drawn at most", examples=[1000])
    ] = 1000,
) -> QuadrantScatter | Response:
    report = await service.quadrants(session, zone, value_cut_fen, repeat_cut, points)
    table = (report.points, QuadrantPoint)
    return await view.answer("quadrants", report, table, lambda r: charts.quadrants(r, view.size))


@router.get(
    "/rfm",
    response_model=RfHeatmap,
    summary="RFM heatmap: recency × frequency scores, members or net spend per cell",
    description=(
        "`GET /segmentation/rfm`'s cells summed over the monetary score into a `bins` × "
        "`bins` grid (every cell, empty ones 0); the chart colours and labels each cell by "
        "`measure`: members or net spend (yuan). CSV: `" + _header(RfCell) + "`."
    ),
    responses=_formats(_header(RfCell) + "\r\n5,5,41,9812000\r\n"),
)
async def rfm(
    settings: CurrentSettings,
    session: Session,
    zone: Zone,
    _: Staff,
    view: View,
    bins: Annotated[
        int | None, Query(ge=2, le=10, description="Scores per dimension (default 5)")
    ] = None,
    measure: Annotated[
        Literal["members", "net_spend"], Query(description="What the chart shows per cell")
    ] = "members",
) -> RfHeatmap | Response:
    report = await service.rfm(session, zone, bins or settings.rfm_bins)
    table = (report.cells, RfCell)
    return await view.answer("rfm", report, table, lambda r: charts.rfm(r, measure, view.size))


@router.get(
    "/clv",
    response_model=ClvDistribution,
    summary="CLV distribution over a finished fit's members",
    description=(
        "Every member of the fit `fit_id` (default: the last fit done) valued as "
        "`GET /clv/fits/{fit_id}/members/{member_id}` values one, over `horizon` time "
        "units at `annual_discount_rate`, in `bins` equal-width bins of CLV with their "
        "mean P(alive). No fit done yet, or no such fit, is 404 `clv-fit-not-found`; a "
        "fit queued 409 `clv-fit-not-ready`, failed 409 `clv-fit-failed`. CSV: the bins `"
        + _header(ClvBin)
        + "`."
    ),
    responses={
        **_formats(_header(ClvBin) + "\r\n0,2000,1410,0.41\r\n"),
        **problem(FitNotFound("no CLV fit is done yet: POST /clv/fits")),
        **problem(
            FitNotReady("fit 3f0e2a4c-… is queued"),
            description="`clv-fit-not-ready` (queued) or `clv-fit-failed`",
        ),
    },
)
async def clv(
    session: Session,
    _: Staff,
    view: View,
    fit_id: Annotated[
        uuid.UUID | None, Query(description="The fit (default: the last one done)")
    ] = None,
    horizon: Annotated[
        int, Query(ge=1, le=520, description="Time units ahead (52 weeks: a year)")
    ] = 52,
    annual_discount_rate: Annotated[
        float, Query(ge=0, le=1, description="Yearly discount rate")
    ] = 0.1,
    bins: Annotated[int, Query(ge=2, le=100, description="Bins of CLV")] = 20,
) -> ClvDistribution | Response:
    report = await service.clv(session, fit_id, horizon, annual_discount_rate, bins)
    table = (report.bins, ClvBin)
    return await view.answer("clv", report, table, lambda r: charts.clv(r, view.size))


@router.get(
    "/campaign-lift",
    response_model=CampaignLift,
    summary="A campaign's sales lift: its buyers' net sales before, during and after",
    description=(
        "Seed 003's 销售业绩 of a campaign from `from` to `to` (both included): the net "
        "sales of the members who bought during it in the window of the same length "
        "before, during and after, with the lift over before (as `POST /cohorts/kpis` with "
        "the `campaign_buyers` cohort). `to` before `from`, or a campaign longer than 366 "
        "days, is 422 `report-range-invalid` naming `to`. CSV: `" + _header(LiftWindow) + "`."
    ),
    responses={
        **_formats(_header(LiftWindow) + "\r\nduring,2026-11-01,2026-11-07,150,2160000,0.8\r\n"),
        **_WINDOW_PROBLEM,
    },
)
async def campaign_lift(
    session: Session,
    zone: Zone,
    _: Staff,
    view: View,
    first: Annotated[TradingDate, Query(alias="from", description="The campaign's first day")],
    last: Annotated[TradingDate, Query(alias="to", description="Its last day, included")],
) -> CampaignLift | Response:
    report = await service.campaign_lift(session, zone, first, last)
    table = (report.windows, LiftWindow)
    return await view.answer(
        "campaign-lift", report, table, lambda r: charts.campaign_lift(r, view.size)
    )
