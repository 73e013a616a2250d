"""``GET /kpis``: authorize, read the KPIs, answer."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from services.analytics.config import CurrentSettings
from services.analytics.kpis import service
from services.analytics.kpis.schemas import Kpis
from shared.auth import require_roles
from shared.csvtext import CSV_MEDIA_TYPE, csv_response, wants_csv
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(tags=["analytics"])


@router.get(
    "/kpis",
    response_model=Kpis,
    summary="Key figures over all members",
    description=(
        "Members, active and purchasing members, the lifetime repeat customer rate (and "
        "`repeat_purchase_rate`, its deprecated old name), net revenue, purchases and "
        "average order value. A fully returned purchase does not count as a purchase. For "
        "staff with the analyst or marketing role. `format=csv` (or `Accept: text/csv`) "
        "answers them as one CSV row."
    ),
    responses={
        200: {
            "content": {
                CSV_MEDIA_TYPE: {
                    "example": "members,active_members_30d,active_window_days,"
                    "purchasing_members,lifetime_repeat_customer_rate,repeat_purchase_rate,"
                    "revenue_fen,purchases,average_order_value_fen,as_of\r\n"
                    "1280,312,30,860,0.4186,0.4186,51234500,2140,23941,2025-06-01T08:00:00Z\r\n"
                }
            }
        }
    },
)
async def kpis(
    request: Request,
    settings: CurrentSettings,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst", "marketing"))],
    days: Annotated[
        int | None,
        Query(ge=1, le=365, description="Activity window in days (default 30)", examples=[30]),
    ] = None,
    output: Annotated[
        Literal["json", "csv"] | None, Query(alias="format", description="csv: one CSV row")
    ] = None,
) -> Kpis | Response:
    figures = await service.kpis(session, days or settings.active_window_days)
    if wants_csv(request.headers.get("accept"), output):
        return csv_response(service.kpis_csv(figures), "kpis")
    return figures
