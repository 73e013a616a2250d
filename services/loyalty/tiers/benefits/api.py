"""HTTP routes of benefits per tier: set by marketing, read by anyone signed in, and a
member's benefits for the member and staff (tills read them through orders, which calls
here with its service token)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends

from services.loyalty.tiers.benefits import service
from services.loyalty.tiers.benefits.schemas import (
    BENEFIT_EXAMPLE,
    MemberBenefits,
    TierBenefits,
    TierBenefitsIn,
)
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/program", tags=["program"])
members = APIRouter(prefix="/members", tags=["members"])

NO_ACCOUNT = problem(404, "No loyalty account for member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11")


@router.get(
    "/tier-benefits",
    response_model=TierBenefits,
    summary="Read the benefits of every tier",
    description="Any signed-in caller (members see what each tier gives).",
)
async def get_tier_benefits(
    session: Session, _: Annotated[Principal, Depends(current_principal)]
) -> TierBenefits:
    return await service.get_benefits(session)


@router.put(
    "/tier-benefits",
    response_model=TierBenefits,
    summary="Set the benefits of every tier",
    description=(
        "Discount percent, birthday gift reference and priority service per tier (a tier "
        "left out has none); the points multiplier is the earning rule's. 422 "
        "`invalid-tier-benefits` for a tier not on the ladder or named twice."
    ),
)
async def put_tier_benefits(
    body: Annotated[TierBenefitsIn, Body(examples=[[BENEFIT_EXAMPLE]])],
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing"))],
) -> TierBenefits:
    return await service.set_benefits(session, body)


@members.get(
    "/{member_id}/benefits",
    response_model=MemberBenefits,
    summary="What the member's tier gives them now",
    description=(
        "The member themself, or staff with role service or marketing (bearer token); "
        "orders calls it as service. Tills have no bearer token here: they read benefits "
        "from orders with the store's API key (orders' `GET /members/{member_id}/benefits`)."
    ),
    responses={**MEMBER_ACCESS, **NO_ACCOUNT},
)
async def get_benefits(
    member_id: uuid.UUID, session: Session, caller: Annotated[Principal, Depends(current_principal)]
) -> MemberBenefits:
    ensure_member_access(caller, member_id, "service", "marketing")
    return await service.benefits_of(session, member_id)
