"""HTTP routes of the tiers capability: the ladder's replacement (which places members
anew), the qualification policy and manual assignment by staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse

from services.loyalty.program.schemas import LADDER_EXAMPLE, LadderIn
from services.loyalty.tiers import policy, service
from services.loyalty.tiers.schemas import (
    LadderReplaced,
    TierAssignmentIn,
    TierAssignmentOut,
    TierPolicyIn,
    TierPolicyOut,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

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
        "lifetime qualifying spend (publishing `loyalty.tier.changed`); purchase thresholds "
        "of removed tiers are dropped, and earning rules' multipliers of removed tiers match "
        "no one (`GET /program/earning-rule` leaves them out)."
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
    return await policy.get_policy(session)


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
    return await policy.set_policy(session, body)


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
        return await service.assign(session, member_id, body, staff.subject)

    answer = await idempotent.run(body, assign, path={"member_id": str(member_id)})
    return answer.response()
