"""``POST /cohorts/kpis``: authorize, compute seed 003's KPIs of a cohort, answer."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends

from services.analytics.cohorts import service
from services.analytics.cohorts.errors import CampaignPeriodInvalid
from services.analytics.cohorts.schemas import CohortKpis, CohortKpisIn
from services.analytics.config import CurrentSettings
from shared.auth import Principal, require_roles
from shared.dependencies import RequestSession as Session
from shared.openapi import problem

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
        "is 422 `campaign-period-invalid` naming `last_day`."
    ),
    responses=problem(CampaignPeriodInvalid("last_day (2026-10-31) is before first_day")),
)
async def cohort_kpis(
    body: CohortKpisIn,
    settings: CurrentSettings,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst", "marketing"))],
) -> CohortKpis:
    return await service.cohort_kpis(session, body, ZoneInfo(settings.business_timezone))
