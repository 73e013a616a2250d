"""HTTP routes of what members and staff read: a member's loyalty view and ledger."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.loyalty.members import service
from services.loyalty.members.schemas import LedgerPage, LoyaltyOut
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.dependencies import SingleStatementSession as SingleStatement
from shared.openapi import problem
from shared.pagination import PageSize, SeqCursor
from shared.tokens import Principal

router = APIRouter(prefix="/members", tags=["members"])

NO_ACCOUNT = problem(404, "No loyalty account for member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11")


@router.get(
    "/{member_id}/loyalty",
    response_model=LoyaltyOut,
    summary="Balance, tier and progress to the next tier",
    description="The member themself, or staff with role service, marketing or analyst.",
    responses={**MEMBER_ACCESS, **NO_ACCOUNT},
)
async def get_loyalty(
    member_id: uuid.UUID,
    session: SingleStatement,
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    """Encoded by the model itself (``LoyaltyOut``, the response model's shape): the hot
    read (``make bench READS=``) skips FastAPI's validating it again. One statement, so no
    transaction around it (no ``BEGIN`` and ``COMMIT`` round trips)."""
    ensure_member_access(principal, member_id, "service", "marketing", "analyst")
    view = await service.loyalty_of(session, member_id)
    return Response(view.model_dump_json(), media_type="application/json")


@router.get(
    "/{member_id}/ledger",
    response_model=LedgerPage,
    summary="The points ledger of the member's account, newest first",
    description="The member themself, or staff with role service, marketing or analyst.",
    responses={**MEMBER_ACCESS, **NO_ACCOUNT},
)
async def get_ledger(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="Entries per page: 1 to 200")] = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> LedgerPage:
    ensure_member_access(principal, member_id, "service", "marketing", "analyst")
    return await service.ledger_of(session, member_id, limit, cursor)
