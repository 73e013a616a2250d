"""``GET /segmentation/...``: authorize, read the query, call the report, answer JSON or
CSV. For staff with the analyst or marketing role."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response

from services.analytics.config import CurrentSettings
from services.analytics.segmentation import service
from services.analytics.segmentation.domain import Quadrant
from services.analytics.segmentation.errors import ChurnParameterInvalid, ScoreOutOfRange
from services.analytics.segmentation.kinds import DEFAULT_CHURN
from services.analytics.segmentation.kinds.base import ChurnKind
from services.analytics.segmentation.schemas import (
    MEMBER_HEADER,
    ChurnWarningReport,
    ParetoReport,
    QuadrantReport,
    RfmReport,
    SegmentMemberPage,
    SleepingReport,
)
from shared.auth import require_roles
from shared.csvtext import CSV_MEDIA_TYPE, csv_response, wants_csv
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.pagination import IdCursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/segmentation", tags=["analytics"])

Staff = Annotated[Principal, Depends(require_roles("analyst", "marketing"))]
Bins = Annotated[
    int | None,
    Query(ge=2, le=10, description="Scores per dimension (default 5: quintiles)", examples=[5]),
]
ValueCut = Annotated[
    float | None,
    Query(
        ge=0,
        le=1e12,
        description="Value per purchase cut, fen (default: the median)",
        examples=[20000],
    ),
]
RepeatCut = Annotated[
    float | None,
    Query(ge=0, le=1e9, description="Number of purchases cut (default: the median)", examples=[2]),
]
Months = Annotated[
    int | None,
    Query(ge=1, le=60, description="Months without a purchase (default 6)", examples=[6]),
]
Churn = Annotated[ChurnKind, Query(description="The churn warning criterion")]
ChurnParameter = Annotated[
    float | None,
    Query(
        ge=0,
        le=1000,
        description="The criterion's parameter, within that criterion's bounds (`overdue`: "
        "the factor, 1 to 100, default 2; `p_alive`: the P(alive) threshold from the latest "
        "finished CLV fit, 0.01 to 0.99, default 0.3)",
        examples=[2.0],
    ),
]
Format = Annotated[
    Literal["json", "csv"] | None, Query(alias="format", description="csv: the same as CSV")
]
_CSV = CSV_MEDIA_TYPE
_CHURN_PROBLEM = problem(ChurnParameterInvalid("churn criterion overdue's factor is 1.0 to 100.0"))


def _csv_answer(example: str) -> dict[int | str, dict[str, object]]:
    """The OpenAPI of a 200 that may also be CSV, with an example."""
    return {200: {"content": {_CSV: {"example": example}}}}


def _zone(settings: CurrentSettings) -> ZoneInfo:
    return ZoneInfo(settings.business_timezone)


Zone = Annotated[ZoneInfo, Depends(_zone)]


def _wants_csv(request: Request, output: str | None) -> bool:
    return wants_csv(request.headers.get("accept"), output)


@router.get(
    "/rfm",
    response_model=RfmReport,
    summary="RFM scores: members and net spend per cell",
    description=(
        "Every member with a counted purchase scored 1 to `bins` on recency (business days "
        "since the last purchase, fewer is better), frequency (counted purchases) and "
        "monetary value (net spend): `1 + bins × (rank − 1) / n` from worst to best, so "
        "quintiles by default and members who bought alike score alike. The non-empty "
        "cells, best first; `format=csv` answers them as CSV `r,f,m,members,net_spend_fen`."
    ),
    responses={
        200: {"content": {_CSV: {"example": "r,f,m,members,net_spend_fen\r\n5,5,5,41,9812000\r\n"}}}
    },
)
async def rfm(
    request: Request,
    settings: CurrentSettings,
    session: Session,
    zone: Zone,
    _: Staff,
    bins: Bins = None,
    output: Format = None,
) -> RfmReport | Response:
    report = await service.rfm_report(session, zone, bins or settings.rfm_bins)
    return csv_response(service.rfm_csv(report), "rfm") if _wants_csv(request, output) else report


@router.get(
    "/quadrants",
    response_model=QuadrantReport,
    summary="Value quadrants: gold, meteor, brook and burden (黄金, 流星, 小溪, 负担)",
    description=(
        "Seed 001's four kinds of customer by value per purchase (net spend / counted "
        "purchases) and number of purchases, each high when strictly above its cut point: "
        "the population's median unless `value_cut_fen` or `repeat_cut` is given. gold: "
        "both high; meteor: high value, few purchases; brook: low value, many purchases; "
        "burden: both low. `format=csv` answers the four rows as CSV."
    ),
    responses=_csv_answer(
        "quadrant,name,high_value,high_repeat,members,member_share,"
        "net_spend_fen,net_spend_share,purchases\r\n"
        "gold,黄金客户,true,true,120,0.1395,21400000,0.4177,610\r\n"
    ),
)
async def quadrants(
    request: Request,
    session: Session,
    zone: Zone,
    _: Staff,
    value_cut_fen: ValueCut = None,
    repeat_cut: RepeatCut = None,
    output: Format = None,
) -> QuadrantReport | Response:
    report = await service.quadrant_report(session, zone, value_cut_fen, repeat_cut)
    return (
        csv_response(service.quadrant_csv(report), "quadrants")
        if _wants_csv(request, output)
        else report
    )


@router.get(
    "/pareto",
    response_model=ParetoReport,
    summary="The 80/20 view: the share of net spend from the top members",
    description=(
        "Seed 001's 二八法则: members with a counted purchase ranked by net spend; the top "
        "`top` % (rounded up to whole members) and their share of the population's net "
        "spend, and the curve at every `step` %. `format=csv` answers the curve."
    ),
    responses=_csv_answer(
        "members_percent,members,net_spend_fen,share\r\n20,172,38120000,0.744\r\n"
    ),
)
async def pareto(
    request: Request,
    session: Session,
    zone: Zone,
    _: Staff,
    top: Annotated[
        float, Query(gt=0, le=100, description="The top this many % of members", examples=[20])
    ] = 20,
    step: Annotated[
        int, Query(ge=1, le=50, description="The curve's step, in % of members", examples=[10])
    ] = 10,
    output: Format = None,
) -> ParetoReport | Response:
    report = await service.pareto_report(session, zone, top, step)
    return (
        csv_response(service.pareto_csv(report), "pareto")
        if _wants_csv(request, output)
        else report
    )


@router.get(
    "/sleeping",
    response_model=SleepingReport,
    summary="Sleeping members (沉睡客户): no purchase for N months",
    description=(
        "Members with a counted purchase whose last purchase is before the brand's "
        "midnight of the same day `months` calendar months ago. The members themselves: "
        "`GET /segmentation/members?sleeping=true`. `format=csv` answers the one row as CSV."
    ),
    responses=_csv_answer(
        "months,since,members,sleeping,share,as_of\r\n"
        "6,2026-06-01T00:00:00+08:00,860,214,0.2488,2026-12-01T02:00:00Z\r\n"
    ),
)
async def sleeping(
    request: Request,
    settings: CurrentSettings,
    session: Session,
    zone: Zone,
    _: Staff,
    months: Months = None,
    output: Format = None,
) -> SleepingReport | Response:
    report = await service.sleeping_report(session, zone, months or settings.sleeping_months)
    return (
        csv_response(service.summary_csv(report), "sleeping")
        if _wants_csv(request, output)
        else report
    )


@router.get(
    "/churn-warnings",
    response_model=ChurnWarningReport,
    summary="Churn early warning (流失预警): members a criterion puts at risk",
    description=(
        "`overdue` (the default): members with two or more purchases whose days since the "
        "last exceed `churn_parameter` (default 2) times their own average days between "
        "purchases. A parameter outside the criterion's bounds is 422 "
        "`churn-parameter-invalid`. The members: `GET /segmentation/members?churn_risk=true`. "
        "`format=csv` answers the one row as CSV."
    ),
    responses={
        **_csv_answer(
            "criterion,parameter,value,definition,members,at_risk,share,as_of\r\n"
            "overdue,factor,2.0,A member with two or more purchases …,860,96,0.1116,"
            "2026-12-01T02:00:00Z\r\n"
        ),
        **_CHURN_PROBLEM,
    },
)
async def churn_warnings(
    request: Request,
    session: Session,
    zone: Zone,
    _: Staff,
    churn: Churn = DEFAULT_CHURN,
    churn_parameter: ChurnParameter = None,
    output: Format = None,
) -> ChurnWarningReport | Response:
    report = await service.churn_report(session, zone, churn, churn_parameter)
    if _wants_csv(request, output):
        return csv_response(service.summary_csv(report), "churn-warnings")
    return report


Score = Annotated[int | None, Query(ge=1, le=10, description="Only this score", examples=[5])]


@router.get(
    "/members",
    response_model=SegmentMemberPage,
    summary="Members with their RFM scores, quadrant, sleeping and churn flags",
    description=(
        "In member id order, `limit` at a time (`cursor`: the previous page's "
        "`next_cursor`), filtered by any of `r`, `f`, `m`, `quadrant`, `sleeping`, "
        "`churn_risk`; the scoring takes the same parameters as the reports. A score "
        "filter above `bins` is 422 `score-out-of-range` naming it. `format=csv` answers "
        f"the page as CSV `{','.join(MEMBER_HEADER)}`."
    ),
    responses={
        **_csv_answer(
            ",".join(MEMBER_HEADER) + "\r\n3f2b8c1e-6a4d-4f7e-9b1a-"
            "2c3d4e5f6a7b,12,3,180000,4,5,5,455,gold,false,false\r\n"
        ),
        **problem(ScoreOutOfRange("r is 7, above the 5 scores asked for (bins)")),
        **_CHURN_PROBLEM,
    },
)
async def members(
    request: Request,
    settings: CurrentSettings,
    session: Session,
    zone: Zone,
    _: Staff,
    bins: Bins = None,
    value_cut_fen: ValueCut = None,
    repeat_cut: RepeatCut = None,
    months: Months = None,
    churn: Churn = DEFAULT_CHURN,
    churn_parameter: ChurnParameter = None,
    r: Score = None,
    f: Score = None,
    m: Score = None,
    quadrant: Annotated[
        Quadrant | None, Query(description="Only this quadrant", examples=["gold"])
    ] = None,
    sleeping: Annotated[bool | None, Query(description="Only (not) sleeping")] = None,
    churn_risk: Annotated[bool | None, Query(description="Only (not) at risk")] = None,
    limit: Annotated[PageSize, Query(description="Members per page (1 to 200)")] = 100,
    cursor: Annotated[
        IdCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
    output: Format = None,
) -> SegmentMemberPage | Response:
    filters = service.MemberFilters(
        bins=bins or settings.rfm_bins,
        value_cut=value_cut_fen,
        repeat_cut=repeat_cut,
        months=months or settings.sleeping_months,
        churn=churn,
        churn_parameter=churn_parameter,
        scores={name: v for name, v in (("r", r), ("f", f), ("m", m)) if v is not None},
        quadrant=quadrant,
        sleeping=sleeping,
        churn_risk=churn_risk,
    )
    page = await service.member_page(session, zone, filters, cursor, limit)
    return (
        csv_response(service.member_csv(page), "members") if _wants_csv(request, output) else page
    )
