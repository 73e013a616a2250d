"""HTTP routes of the loyalty service: parse, authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from services.loyalty import service
from services.loyalty.schemas import (
    LADDER_EXAMPLE,
    EarningRuleIn,
    EarningRuleOut,
    Ladder,
    LadderReplaced,
    LedgerPage,
    LoyaltyOut,
    RedemptionIn,
    RedemptionOut,
    TierIn,
)
from shared.auth import (
    MEMBER_ACCESS,
    Principal,
    current_principal,
    ensure_member_access,
    require_roles,
)
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict

program = APIRouter(prefix="/program", tags=["program"])
members = APIRouter(prefix="/members", tags=["members"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]


@program.get(
    "/tiers",
    response_model=Ladder,
    summary="Read the tier ladder",
    description="Any signed-in caller (members see the benefits of each tier).",
)
async def get_tiers(
    session: Session, _: Annotated[Principal, Depends(current_principal)]
) -> Ladder:
    return await service.get_ladder(session)


@program.put(
    "/tiers",
    response_model=LadderReplaced,
    summary="Replace the tier ladder",
    description=(
        "The whole ladder, lowest tier first: unique codes, exactly one base tier with "
        "`threshold_fen` 0, thresholds rising strictly. Members on a tier that is no longer "
        "on the ladder are placed by their qualifying spend (publishing "
        "`loyalty.tier.changed`); earning multipliers of removed tiers are dropped."
    ),
)
async def put_tiers(
    tiers: Annotated[list[TierIn], Body(min_length=1, examples=[LADDER_EXAMPLE])],
    session: Session,
    _: Marketing,
) -> LadderReplaced:
    return await service.replace_ladder(session, tiers)


@program.get(
    "/earning-rule",
    response_model=EarningRuleOut,
    summary="Read the earning rule",
    description="Staff with role marketing, service or analyst.",
)
async def get_earning_rule(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> EarningRuleOut:
    return await service.get_earning_rule(session)


@program.put(
    "/earning-rule",
    response_model=EarningRuleOut,
    summary="Set the earning rule",
    description=(
        "Points per yuan, and a multiplier per tier in percent (100 = ×1). A purchase earns "
        "floor(total_fen × points_per_yuan × multiplier / 10000) at the member's tier before "
        "the purchase. Naming a tier that is not on the ladder is refused with 422."
    ),
)
async def put_earning_rule(body: EarningRuleIn, session: Session, _: Marketing) -> EarningRuleOut:
    return await service.set_earning_rule(session, body)


@members.get(
    "/{member_id}/loyalty",
    response_model=LoyaltyOut,
    summary="Balance, tier and progress to the next tier",
    description="The member themself, or staff with role service, marketing or analyst.",
    responses={**MEMBER_ACCESS, 404: {"description": "The member has no loyalty account"}},
)
async def get_loyalty(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> LoyaltyOut:
    ensure_member_access(principal, member_id, "service", "marketing", "analyst")
    return await service.loyalty_of(session, member_id)


@members.get(
    "/{member_id}/ledger",
    response_model=LedgerPage,
    summary="The member's points ledger, newest first",
    description="The member themself, or staff with role service, marketing or analyst.",
    responses={**MEMBER_ACCESS, 404: {"description": "The member has no loyalty account"}},
)
async def get_ledger(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(examples=["1042"])] = None,
) -> LedgerPage:
    ensure_member_access(principal, member_id, "service", "marketing", "analyst")
    return await service.ledger_of(session, member_id, limit, cursor)


@members.post(
    "/{member_id}/redemptions",
    status_code=201,
    response_model=RedemptionOut,
    summary="Spend points",
    description=(
        "By the member themself or staff with role service. Never takes the balance below "
        "zero (422 `insufficient points`). Publishes `loyalty.points.redeemed`. "
        "The `Idempotency-Key` header is required; a retry returns the first successful "
        "answer (kept 24 hours)."
    ),
    responses={
        **MEMBER_ACCESS,
        404: {"description": "The member has no loyalty account"},
        **openapi_conflict(),
        422: {"description": "Insufficient points, or invalid input"},
    },
)
async def redeem(
    member_id: uuid.UUID,
    body: RedemptionIn,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(current_principal, example="c0ffee-42"))
    ],
) -> JSONResponse:
    ensure_member_access(principal, member_id, "service")

    async def spend() -> RedemptionOut:
        return await service.redeem(session, member_id, body)

    answer = await idempotent.run(body, spend, path={"member_id": str(member_id)})
    return answer.response()
