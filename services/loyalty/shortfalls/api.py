"""HTTP route of shortfalls: what returns could not take back, for staff to follow up."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.loyalty.shortfalls import service
from services.loyalty.shortfalls.domain import ShortfallStatus
from services.loyalty.shortfalls.schemas import ShortfallPage
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.pagination import PageSize, SeqCursor
from shared.tokens import Principal

router = APIRouter(tags=["members"])


@router.get(
    "/shortfalls",
    response_model=ShortfallPage,
    summary="Reversal shortfalls, newest first",
    description=(
        "Staff with role service or analyst. Each return or void that could not take back "
        "all its points because the member had spent them, with what later earnings paid "
        "back (when the points policy's `shortfall_payback` is on) and what is outstanding. "
        "`status` keeps those still outstanding or those settled (paid back in full); "
        "`member_id` those on the accounts the member holds now (their own and their "
        "household's)."
    ),
)
async def get_shortfalls(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "analyst"))],
    limit: Annotated[PageSize, Query(description="Items per page: 1 to 200")] = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
    status: Annotated[
        ShortfallStatus | None,
        Query(description="`outstanding` (not yet paid back in full) or `settled`"),
    ] = None,
    member_id: Annotated[
        uuid.UUID | None, Query(description="Only the accounts this member holds now")
    ] = None,
) -> ShortfallPage:
    return await service.shortfalls_page(session, limit, cursor, status=status, member_id=member_id)
