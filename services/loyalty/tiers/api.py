"""HTTP routes of the tiers capability: the ladder's replacement (which places members
anew), the qualification policy, benefits per tier, a member's benefits for tills, and
manual assignment by staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse

from services.loyalty.program.schemas import LADDER_EXAMPLE, LadderIn
from services.loyalty.tiers import reviews, service, settings
from services.loyalty.tiers.schemas import (
    BENEFIT_EXAMPLE,
    LadderReplaced,
    MemberBenefits,
    TierAssignmentIn,
    TierAssignmentOut,
    TierBenefits,
    TierBenefitsIn,
    TierPolicyIn,
    TierPolicyOut,
)
from shared.auth import (
    MEMBER_ACCESS,
    Principal,
    StoreRef,
    current_principal,
    ensure_member_access,
    require_roles,
)
from shared.dependencies import RequestSession as Session
from shared.dependencies import StoreOrPrincipal
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem

router = APIRouter(prefix="/program", tags=["program"])
members = APIRouter(prefix="/members", tags=["members"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]
_assigning_staff = require_roles("service", "marketing")
NO_ACCOUNT = problem(404, "No loyalty account for member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11")


@router.put(
    "/tiers",
    response_model=LadderReplaced,
    summary="Replace the tier ladder",
    description=(
        "The whole ladder, lowest tier first (1 to 20 tiers): unique codes, exactly one base "
        "tier with `threshold_fen` 0, thresholds rising strictly (422 `invalid-tier-ladder` "
        "otherwise). Members on a tier that is no longer on the ladder are placed by their "
        "lifetime qualifying spend (publishing `loyalty.tier.changed`); earning multipliers, "
        "benefits and purchase thresholds of removed tiers are dropped."
    ),
)
async def put_tiers(
    tiers: Annotated[LadderIn, Body(examples=[LADDER_EXAMPLE])],
    session: Session,
    _: Marketing,
) -> LadderReplaced:
    return await service.replace_ladder(session, tiers)


@router.get(
    "/tier-policy",
    response_model=TierPolicyOut,
    summary="Read the tier qualification policy",
    description="Staff with role marketing, service or analyst.",
)
async def get_tier_policy(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> TierPolicyOut:
    return await settings.get_policy(session)


@router.put(
    "/tier-policy",
    response_model=TierPolicyOut,
    summary="Set the tier qualification policy",
    description=(
        "What reaches a tier (spend, purchase count, both or either), over which window "
        "(lifetime, the calendar year or a rolling number of months, in the brand's "
        "timezone) and how many grace periods a member keeps a tier after a period that "
        "did not qualify for it. Under a window, purchases promote at once and returns "
        "never demote: the tier is reviewed at the end of its period. Changing the window "
        "reschedules every review to the end of the first new period from now. 422 "
        "`invalid-tier-policy` for thresholds of tiers not on the ladder, not rising with "
        "it, or missing where the basis needs them."
    ),
)
async def put_tier_policy(body: TierPolicyIn, session: Session, _: Marketing) -> TierPolicyOut:
    return await settings.set_policy(session, body)


@router.get(
    "/tier-benefits",
    response_model=TierBenefits,
    summary="Read the benefits of every tier",
    description="Any signed-in caller (members see what each tier gives).",
)
async def get_tier_benefits(
    session: Session, _: Annotated[Principal, Depends(current_principal)]
) -> TierBenefits:
    return await settings.get_benefits(session)


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
    _: Marketing,
) -> TierBenefits:
    return await settings.set_benefits(session, body)


@members.get(
    "/{member_id}/benefits",
    response_model=MemberBenefits,
    summary="What the member's tier gives them now",
    description=(
        "For tills, with the store's API key (`X-API-Key`); also the member themself or "
        "staff with role service or marketing (bearer token)."
    ),
    responses={**MEMBER_ACCESS, **NO_ACCOUNT},
)
async def get_benefits(
    member_id: uuid.UUID, session: Session, caller: StoreOrPrincipal
) -> MemberBenefits:
    if not isinstance(caller, StoreRef):
        ensure_member_access(caller, member_id, "service", "marketing")
    return await settings.benefits_of(session, member_id)


@members.post(
    "/{member_id}/tier-assignments",
    status_code=201,
    response_model=TierAssignmentOut,
    summary="Place a member on a tier until a date",
    description=(
        "Staff with role service or marketing; audited with their subject. The tier holds "
        "to the end of `until` (brand's timezone): returns do not demote and reviews skip "
        "the member, a purchase reaching a higher tier ends it, and at its end the member "
        "is placed by what they qualify for. Publishes `loyalty.tier.changed` (change "
        "`manual`) when the tier changes. The `Idempotency-Key` header is required."
    ),
    responses={
        **NO_ACCOUNT,
        **openapi_conflict(),
        **problem(422, "until must be from today (2026-05-02) to 2031-05-02", "invalid input"),
    },
)
async def post_tier_assignment(
    member_id: uuid.UUID,
    body: TierAssignmentIn,
    session: Session,
    staff: Annotated[Principal, Depends(_assigning_staff)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_assigning_staff, example="assign-42"))
    ],
) -> JSONResponse:
    async def assign() -> TierAssignmentOut:
        return await reviews.assign(session, member_id, body, staff.subject)

    answer = await idempotent.run(body, assign, path={"member_id": str(member_id)})
    return answer.response()
