"""HTTP routes of referrals: a member's friends and where each referral stands; the
referral reward policy (marketing)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.referrals import service
from services.loyalty.referrals.schemas import ReferralList, ReferralPolicyIn, ReferralPolicyOut
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/members", tags=["members"])
policy_router = APIRouter(prefix="/program", tags=["program"])


@router.get(
    "/{member_id}/referrals",
    response_model=ReferralList,
    summary="List the friends a member referred (老带新)",
    description=(
        "The member, or staff with role marketing or service. One item per friend who "
        "registered with the member's referral code, the latest first (ties by id), `limit` "
        "at a time: pass a page's `next_cursor` as `cursor` for the next page. The friend is "
        "masked. "
        "Each shows its state (`pending` → `qualified` by the friend's first paid purchase → "
        "`rewarded`, `cancelled` or `refused` once its return window passed), the reason, "
        "the friend's spend and returns (fen), the reward's face value (fen) and coupon."
    ),
    responses=MEMBER_ACCESS,
)
async def list_referrals(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="How many, latest first: 1 to 200")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> ReferralList:
    ensure_member_access(principal, member_id, "marketing", "service")
    return await service.referrals_of(session, member_id, limit, cursor)


@policy_router.get(
    "/referral-policy",
    response_model=ReferralPolicyOut,
    summary="Read the referral reward policy",
    description="Staff with role marketing, service or analyst.",
)
async def get_referral_policy(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> ReferralPolicyOut:
    return await service.get_policy(session)


@policy_router.put(
    "/referral-policy",
    response_model=ReferralPolicyOut,
    summary="Set the referral reward policy (老带新)",
    description=(
        "Marketing. The referrer of a friend whose first paid purchase kept, once its "
        "return window passed, a net spend of at least a band's `min_spend_fen` gets one "
        "coupon of the highest such band's definition; at most `monthly_cap` rewards per "
        "referrer per calendar month of the brand. Applies to rewards decided from now on. "
        "A band naming no definition is 404 `coupon-definition-not-found` naming "
        "`bands.<i>.definition_id`."
    ),
    responses=problem(
        CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")
    ),
)
async def put_referral_policy(
    body: ReferralPolicyIn,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles("marketing"))],
) -> ReferralPolicyOut:
    return await service.set_policy(session, body, by=principal.subject)
