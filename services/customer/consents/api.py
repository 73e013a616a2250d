"""HTTP route of the consent history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.customer.consents import service
from services.customer.consents.schemas import ConsentHistory
from services.customer.members import service as members
from services.customer.members.errors import MemberErased, MemberNotFound
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.pagination import PageSize, SeqCursor
from shared.tokens import Principal

router = APIRouter(tags=["profiles"])


@router.get(
    "/members/{member_id}/consent/history",
    response_model=ConsentHistory,
    summary="Every consent a member gave or withdrew, and under which privacy policy",
    description=(
        "Staff with role admin or service, or the member. Each change of consent to a "
        "channel (`channel`) or to marketing on it (`marketing`): given or withdrawn, "
        "when, by whom (the member, a staff user by login, or the import) and under which "
        "privacy-policy version; latest first. Kept since this release; before it, each "
        "channel starts with the record it had then (PIPL art. 14: proof of consent)."
    ),
    responses={
        **problem(MemberNotFound("No member with id 7d1c0a52-…")),
        **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
        **MEMBER_ACCESS,
    },
)
async def consent_history(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="Changes per page")] = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> ConsentHistory:
    ensure_member_access(principal, member_id, "service")
    await members.get_member(session, member_id)
    return await service.history(session, member_id, limit, cursor)
