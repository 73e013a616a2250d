"""``GET /kpis``: authorize, read the KPIs, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.analytics.config import CurrentSettings
from services.analytics.kpis import service
from services.analytics.kpis.schemas import Kpis
from shared.auth import Principal, require_roles
from shared.dependencies import RequestSession as Session

router = APIRouter(tags=["analytics"])


@router.get(
    "/kpis",
    response_model=Kpis,
    summary="Key figures over all members",
    description=(
        "Members, active and purchasing members, the lifetime repeat customer rate (and "
        "`repeat_purchase_rate`, its deprecated old name), net revenue, purchases and "
        "average order value. A fully returned purchase does not count as a purchase. For "
        "staff with the analyst or marketing role."
    ),
)
async def kpis(
    settings: CurrentSettings,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst", "marketing"))],
    days: Annotated[
        int | None,
        Query(ge=1, le=365, description="Activity window in days (default 30)", examples=[30]),
    ] = None,
) -> Kpis:
    return await service.kpis(session, days or settings.active_window_days)
