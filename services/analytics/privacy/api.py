"""HTTP route of analytics' part of a member's export: authorize, read, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.analytics.config import CurrentSettings
from services.analytics.members import service as members
from services.analytics.members.errors import MemberSummaryNotFound
from services.analytics.privacy.schemas import AnalyticsExport
from services.analytics.segments import service as segments
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(tags=["privacy"])


@router.get(
    "/members/{member_id}/export",
    response_model=AnalyticsExport,
    summary="Analytics' part of a member's export (PIPL art. 45)",
    description=(
        "An admin or the member themself (customer's `GET /members/{id}/export` asks it "
        "with the caller's token). Analytics holds no personal data, only facts by id: "
        "the member's summary as the KPIs see it (null before any event about them) and "
        "the saved segments they are in."
    ),
    responses=MEMBER_ACCESS,
)
async def export_member(
    member_id: uuid.UUID,
    session: Session,
    settings: CurrentSettings,
    principal: Annotated[Principal, Depends(current_principal)],
) -> AnalyticsExport:
    ensure_member_access(principal, member_id)
    try:
        summary = await members.member_summary(session, member_id, settings.business_timezone)
    except MemberSummaryNotFound:
        summary = None
    return AnalyticsExport(summary=summary, segments=await segments.segments_of(session, member_id))
