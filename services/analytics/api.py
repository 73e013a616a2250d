"""HTTP routes of analytics: authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.analytics import service
from services.analytics.config import Settings
from services.analytics.schemas import Kpis, MemberSummary
from shared.auth import (
    MEMBER_ACCESS,
    Principal,
    current_principal,
    ensure_member_access,
    require_roles,
)
from shared.dependencies import RequestSession as Session

router = APIRouter(tags=["analytics"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get(
    "/kpis",
    response_model=Kpis,
    summary="Key figures over all members",
    description=(
        "Members, active and purchasing members, repeat purchase rate, net revenue, "
        "purchases and average order value. A fully returned purchase does not count as a "
        "purchase. For staff with the analyst or marketing role."
    ),
)
async def kpis(
    request: Request,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst", "marketing"))],
    days: Annotated[
        int | None,
        Query(ge=1, le=365, description="Activity window in days (default 30)", examples=[30]),
    ] = None,
) -> Kpis:
    return await service.kpis(session, days or _settings(request).active_window_days)


@router.get(
    "/members/{member_id}/summary",
    response_model=MemberSummary,
    summary="A member's spend, frequency, recency and tier",
    description="The member themself, or staff with the analyst, marketing or service role.",
    responses={**MEMBER_ACCESS, 404: {"description": "Analytics has no events about this member"}},
)
async def member_summary(
    member_id: uuid.UUID,
    request: Request,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> MemberSummary:
    ensure_member_access(principal, member_id, "analyst", "marketing", "service")
    return await service.member_summary(session, member_id, _settings(request).business_timezone)
