"""HTTP route of redemptions: a member spends points."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.loyalty.accounts.errors import InsufficientPoints
from services.loyalty.redemption import service
from services.loyalty.redemption.schemas import RedemptionIn, RedemptionOut
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/members", tags=["members"])


@router.post(
    "/{member_id}/redemptions",
    status_code=201,
    response_model=RedemptionOut,
    summary="Spend points",
    description=(
        "By the member themself or staff with role service. Never takes the balance below "
        "zero (422 `insufficient-points`). Publishes `loyalty.points.redeemed`. "
        "The `Idempotency-Key` header is required; a retry returns the first successful "
        "answer (kept 24 hours)."
    ),
    responses={
        **MEMBER_ACCESS,
        **problem(404, "No loyalty account for member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"),
        **openapi_conflict(),
        **problem(
            422,
            "insufficient points: balance 200, requested 500",
            f"{InsufficientPoints.title}, or invalid input",
        ),
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
