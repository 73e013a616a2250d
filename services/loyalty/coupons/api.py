"""HTTP routes of coupon definitions (staff: marketing writes; marketing, service and
analyst read)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.loyalty.coupons import service
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.coupons.schemas import DefinitionIn, DefinitionList, DefinitionOut
from shared.auth import Principal, require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import PageSize

router = APIRouter(prefix="/coupons", tags=["coupons"])

marketing = require_roles("marketing")
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]
Marketing = Annotated[Principal, Depends(marketing)]
MarketingPost = Annotated[
    IdempotentPost, Depends(Idempotent(marketing, example="anniversary-200-30"))
]
Limit = Annotated[PageSize, Query(description="How many, newest first: 1 to 200")]

NO_DEFINITION = problem(
    CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")
)


@router.post(
    "/definitions",
    status_code=201,
    response_model=DefinitionOut,
    summary="Add a coupon definition",
    description=(
        "Marketing. Kinds: `threshold_off` (满减: eligible spend ≥ `threshold_fen` takes "
        "`off_fen` off), `percent_off` (rounded down, at most `cap_fen`), `cash_voucher` "
        "(代金券: at most the eligible spend, no change, never cash), `free_gift` (one unit "
        "of `sku`). A discount is shared over the lines in scope pro rata, each share "
        "rounded down, the fen left over to the largest line (the lowest line number of "
        "equal ones). A sale takes one coupon unless all are `stackable`, then at most one "
        "of each kind. Validity is a fixed window or `valid_days` in the brand's timezone. "
        "Invalid input is a 422 naming the field."
    ),
    responses=openapi_conflict(),
)
async def create_definition(
    body: DefinitionIn, session: Session, principal: Marketing, idempotent: MarketingPost
) -> JSONResponse:
    answer = await idempotent.run(
        body, lambda: service.create_definition(session, body, by=principal.subject)
    )
    return answer.response(location=f"/coupons/definitions/{answer.body['id']}")


@router.get(
    "/definitions",
    response_model=DefinitionList,
    summary="List coupon definitions",
    description="Staff with role marketing, service or analyst; the newest first.",
)
async def list_definitions(session: Session, _: Readers, limit: Limit = 50) -> DefinitionList:
    return await service.list_definitions(session, limit)


@router.get(
    "/definitions/{definition_id}",
    response_model=DefinitionOut,
    summary="Read a coupon definition",
    description="Staff with role marketing, service or analyst, with what was issued of it.",
    responses=NO_DEFINITION,
)
async def get_definition(definition_id: uuid.UUID, session: Session, _: Readers) -> DefinitionOut:
    return await service.get_definition(session, definition_id)
