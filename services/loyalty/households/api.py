"""HTTP routes of the household policy (marketing): what a leaving member takes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.households import service
from services.loyalty.households.schemas import HouseholdPolicyIn, HouseholdPolicyOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(prefix="/program", tags=["program"])


@router.get(
    "/household-policy",
    response_model=HouseholdPolicyOut,
    summary="Read the household policy",
    description="Staff with role marketing, service or analyst.",
)
async def get_household_policy(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> HouseholdPolicyOut:
    return await service.get_policy(session)


@router.put(
    "/household-policy",
    response_model=HouseholdPolicyOut,
    summary="Set the household policy",
    description=(
        "Staff with role marketing. Households (opened on the customer service) pool their "
        "members' points in one account that every member holds; this says what a member "
        "who leaves takes with them to their own account. It applies to leavings "
        "from now on."
    ),
)
async def put_household_policy(
    body: HouseholdPolicyIn,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing"))],
) -> HouseholdPolicyOut:
    return await service.set_policy(session, body)
