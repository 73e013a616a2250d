"""``POST /cohorts/kpis``: authorize, compute seed 003's KPIs of a cohort, answer."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response

from services.analytics.cohorts import service
from services.analytics.cohorts.errors import CampaignPeriodInvalid
from services.analytics.cohorts.schemas import CohortKpis, CohortKpisIn
from services.analytics.config import CurrentSettings
from shared.auth import require_roles
from shared.csvtext import CSV_MEDIA_TYPE, csv_response, wants_csv
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(tags=["analytics"])


@router.post(
    "/cohorts/kpis",
    response_model=CohortKpis,
    summary="Seed 003's campaign KPIs of a cohort, before, during and after",
    description=(
        "Staff with the analyst or marketing role. Computes, creating nothing (so no "
        "`Idempotency-Key`), the KPIs seed 003 judges a retention campaign by, over a "
        "cohort: the members listed (`members`) or every member who bought during the "
        "campaign (`campaign_buyers`). The campaign runs from `first_day` to `last_day` "
        "(business days, both included); `before` and `after` are windows of the same "
        "length just before and after it. Satisfaction, repeat purchase, churn and "
        "referral rates, interactions per member per month and net sales per window with "
        "the sales lift. A period that ends before it starts or is longer than 366 days "
        "is 422 `campaign-period-invalid` naming `last_day`. `format=csv` (or `Accept: "
        "text/csv`) answers one CSV row: the cohort's figures, then each window's prefixed "
        "`before_`, `during_`, `after_`."
    ),
    responses={
        200: {
            "content": {
                CSV_MEDIA_TYPE: {
                    "example": "participants,surveyed,satisfied,satisfaction,repeat_buyers,"
                    "repeat_purchase_rate,churn_days,churned,churn_rate,referrers,"
                    "referral_rate,sales_lift_during,sales_lift_after,complete,as_of,"
                    "before_first_day,before_last_day,before_purchases,before_net_sales_fen,"
                    "before_interactions,before_interaction_frequency,during_first_day,…\r\n"
                    "120,30,24,0.2,45,0.375,30,50,0.4167,6,0.05,0.8,0.1,true,"
                    "2026-12-01T02:00:00Z,2026-10-25,2026-10-31,40,1200000,44,1.5714,"
                    "2026-11-01,…\r\n"
                }
            }
        },
        **problem(CampaignPeriodInvalid("last_day (2026-10-31) is before first_day")),
    },
)
async def cohort_kpis(
    request: Request,
    body: CohortKpisIn,
    settings: CurrentSettings,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst", "marketing"))],
    output: Annotated[
        Literal["json", "csv"] | None, Query(alias="format", description="csv: one CSV row")
    ] = None,
) -> CohortKpis | Response:
    kpis = await service.cohort_kpis(session, body, ZoneInfo(settings.business_timezone))
    if wants_csv(request.headers.get("accept"), output):
        return csv_response(service.kpis_csv(kpis), "cohort-kpis")
    return kpis
