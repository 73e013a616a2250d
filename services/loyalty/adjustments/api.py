"""HTTP route of adjustments: staff add or take off a member's points."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.loyalty.accounts.errors import InsufficientPoints
from services.loyalty.adjustments import service
from services.loyalty.adjustments.schemas import AdjustmentIn, AdjustmentOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/members", tags=["members"])

Staff = require_roles("service")


@router.post(
    "/{member_id}/adjustments",
    status_code=201,
    response_model=AdjustmentOut,
    summary="Adjust a member's points",
    description=(
        "Staff with role service. Adds (positive) or takes off (negative) points with a "
        "reason, recorded with the staff subject. Added points are available at once and "
        "expire by the points policy; taking off never takes the balance below zero (422 "
        "`insufficient-points`). Publishes `loyalty.points.adjusted`. The "
        "`Idempotency-Key` header is required; a retry returns the first successful answer."
    ),
    responses={
        **problem(404, "No loyalty account for member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"),
        **openapi_conflict(),
        **problem(
            422,
            "insufficient points: balance 200, requested 500",
            f"{InsufficientPoints.title}, or invalid input",
        ),
    },
)
async def adjust(
    member_id: uuid.UUID,
    body: AdjustmentIn,
    session: Session,
    principal: Annotated[Principal, Depends(Staff)],
    idempotent: Annotated[IdempotentPost, Depends(Idempotent(Staff, example="adj-2026-0042"))],
) -> JSONResponse:
    async def adjust_points() -> AdjustmentOut:
        return await service.adjust(session, member_id, body, staff=principal.subject)

    answer = await idempotent.run(body, adjust_points, path={"member_id": str(member_id)})
    return answer.response()
