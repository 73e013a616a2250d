"""HTTP route of the profile audit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.customer.history import service
from services.customer.history.schemas import ProfileHistory
from services.customer.members import service as members
from services.customer.members.errors import MemberErased, MemberNotFound
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.pagination import PageSize, SeqCursor
from shared.tokens import Principal

router = APIRouter(tags=["profiles"])


@router.get(
    "/members/{member_id}/history",
    response_model=ProfileHistory,
    summary="Who changed a member's profile, and when",
    description=(
        "Staff with role admin or service. Every edit (the fields it changed, by name; "
        "never their values), restriction (加密客户) and its lifting, consent change (the "
        "channels), card reissue, lock, unlock, deactivation and reactivation, with who "
        "did it (the member, a staff user, or the import) and when; latest first."
    ),
    responses={
        **problem(MemberNotFound("No member with id 7d1c0a52-…")),
        **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
    },
)
async def profile_history(
    member_id: uuid.UUID,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service"))],
    limit: Annotated[PageSize, Query(description="Changes per page")] = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> ProfileHistory:
    await members.get_member(session, member_id)
    return await service.history(session, member_id, limit, cursor)
