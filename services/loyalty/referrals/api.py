"""HTTP route of referrals: a member's friends and where each referral stands."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.loyalty.referrals import service
from services.loyalty.referrals.schemas import ReferralList
from shared.auth import MEMBER_ACCESS, Principal, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.pagination import PageSize

router = APIRouter(prefix="/members", tags=["members"])


@router.get(
    "/{member_id}/referrals",
    response_model=ReferralList,
    summary="List the friends a member referred (老带新)",
    description=(
        "The member, or staff with role marketing or service. One item per friend who "
        "registered with the member's referral code, the latest first; the friend is masked. "
        "Today every referral is `pending`: the referrer's reward after the friend's first "
        "paid purchase is not built yet."
    ),
    responses=MEMBER_ACCESS,
)
async def list_referrals(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="How many, latest first: 1 to 200")] = 50,
) -> ReferralList:
    ensure_member_access(principal, member_id, "marketing", "service")
    return await service.referrals_of(session, member_id, limit)
