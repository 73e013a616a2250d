"""HTTP routes of bulk grants: a batch of a definition's grants (marketing) and its
progress (marketing, service, analyst)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.loyalty.coupons.batches import service
from services.loyalty.coupons.batches.schemas import (
    MAX_BATCH,
    GrantBatchIn,
    GrantBatchOut,
    RefusalPage,
)
from services.loyalty.coupons.errors import CouponDefinitionNotFound, CouponGrantBatchNotFound
from services.loyalty.program.errors import UnknownTier
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import IdCursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/coupons/definitions", tags=["coupons"])

marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(marketing)]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]
BatchPost = Annotated[
    IdempotentPost, Depends(Idempotent(marketing, example="vip-thanks-2026-11-batch"))
]


@router.post(
    "/{definition_id}/grants",
    status_code=202,
    response_model=GrantBatchOut,
    summary="Grant a coupon to a list of members or an audience",
    description=(
        f"Marketing. Up to {MAX_BATCH:,} `member_ids`, or an `audience` (tiers, join time, "
        "last purchase, points, analytics' saved `segments`: its members as of now, any "
        "number, `total` 0 if none), "
        "and a `grant_key`: each member is granted one coupon of the definition under "
        "that key, once (a member granted one with that key before keeps it, a member "
        "named twice gets one). The batch is accepted at once, all due; workers grant it "
        "in chunks after the answer, and a crash resumes where it stopped. Follow it at "
        "`Location`: granted, refused (with reasons: `per_member_limit`, "
        "`quantity_exhausted`, `definition_ended`, `no_account`) and due. 404 "
        "`coupon-definition-not-found`; 422 `unknown-tier` (`audience.tiers`); 422 "
        "`unknown-segment` (`audience.segments.<i>`, a segment analytics has not published "
        "to loyalty); 422 naming the field."
    ),
    responses={
        **problem(
            CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")
        ),
        **problem(UnknownTier("Not on the ladder: gold")),
        **openapi_conflict(),
    },
)
async def create_batch(
    definition_id: uuid.UUID,
    body: GrantBatchIn,
    session: Session,
    principal: Marketing,
    idempotent: BatchPost,
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: service.create_batch(session, definition_id, body, by=principal.subject),
        path={"definition_id": str(definition_id)},
        status=202,
    )
    return answer.response(
        location=f"/coupons/definitions/{definition_id}/grants/{answer.body['id']}"
    )


_NO_BATCH = problem(
    CouponGrantBatchNotFound(
        "No grant batch 5d2c9e1a-7b3f-4c8d-9e0a-1b2c3d4e5f60 of definition "
        "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"
    )
)


@router.get(
    "/{definition_id}/grants/{batch_id}",
    response_model=GrantBatchOut,
    summary="Read a bulk grant's progress",
    description=(
        "Staff with role marketing, service or analyst: how many of the batch's members "
        "were granted, refused (by reason, and the first 100 refused: all of them from "
        "`…/refusals`) and are still due; "
        "`finished_at` once none is due."
    ),
    responses=_NO_BATCH,
)
async def get_batch(
    definition_id: uuid.UUID, batch_id: uuid.UUID, session: Session, _: Readers
) -> GrantBatchOut:
    return await service.progress(session, definition_id, batch_id)


@router.get(
    "/{definition_id}/grants/{batch_id}/refusals",
    response_model=RefusalPage,
    summary="List every member a bulk grant refused",
    description=(
        "Staff with role marketing, service or analyst: the batch's refused members with "
        "their reason, by member id, `limit` at a time: pass a page's `next_cursor` as "
        "`cursor` for the next page."
    ),
    responses=_NO_BATCH,
)
async def list_refusals(
    definition_id: uuid.UUID,
    batch_id: uuid.UUID,
    session: Session,
    _: Readers,
    limit: Annotated[PageSize, Query(description="At most: 1 to 200")] = 100,
    cursor: Annotated[
        IdCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> RefusalPage:
    return await service.refusals(session, definition_id, batch_id, limit, cursor)
