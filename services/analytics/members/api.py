"""``GET /members/{member_id}/summary``: authorize, read the summary, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.analytics.config import CurrentSettings
from services.analytics.members import service
from services.analytics.members.errors import MemberSummaryNotFound
from services.analytics.members.schemas import MemberSummary
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(tags=["analytics"])


@router.get(
    "/members/{member_id}/summary",
    response_model=MemberSummary,
    summary="A member's spend, frequency, recency and tier",
    description="The member themself, or staff with the analyst, marketing or service role.",
    responses={
        **MEMBER_ACCESS,
        **problem(MemberSummaryNotFound("Analytics has no events about member 3f2b8c1e-…")),
    },
)
async def member_summary(
    member_id: uuid.UUID,
    settings: CurrentSettings,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> MemberSummary:
    ensure_member_access(principal, member_id, "analyst", "marketing", "service")
    return await service.member_summary(session, member_id, settings.business_timezone)
