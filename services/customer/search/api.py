"""HTTP routes of each staff user's recently viewed and pinned members (the token's
``sub`` names the staff user)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.customer.members.errors import MemberErased, MemberNotFound
from services.customer.search import service
from services.customer.search.errors import PinLimitReached
from services.customer.search.schemas import StaffMemberItem, StaffMemberPage, Unpinned
from shared.auth import require_roles
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(tags=["members"])
Staff = Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))]
_NOT_FOUND = {
    **problem(MemberNotFound("No member with id 7d1c0a52-…")),
    **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
}


@router.get(
    "/staff/me/recent-members",
    response_model=StaffMemberPage,
    summary="The members I viewed last",
    description=(
        "The last 20 members the caller (the bearer token's `sub`) read with "
        "`GET /members/{id}`, the latest first, contact data masked; one page, no cursor."
    ),
)
async def recent_members(session: Session, cipher: Cipher, staff: Staff) -> StaffMemberPage:
    return await service.recent(session, cipher, staff.subject)


@router.get(
    "/staff/me/pinned-members",
    response_model=StaffMemberPage,
    summary="The members I pinned",
    description="In pinning order, `limit` at a time, contact data masked.",
)
async def pinned_members(
    session: Session,
    cipher: Cipher,
    staff: Staff,
    limit: Annotated[PageSize, Query(description="Members per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> StaffMemberPage:
    return await service.pinned(session, cipher, staff.subject, limit, cursor)


@router.put(
    "/staff/me/pinned-members/{member_id}",
    response_model=StaffMemberItem,
    summary="Pin a member",
    description=(
        f"Pins the member for the caller; pinning it again changes nothing (`since` stays "
        f"the first pinning). At most {service.MAX_PINS} pins."
    ),
    responses={
        **_NOT_FOUND,
        **problem(PinLimitReached(f"At most {service.MAX_PINS} members can be pinned")),
    },
)
async def pin_member(
    member_id: uuid.UUID, session: Session, cipher: Cipher, staff: Staff
) -> StaffMemberItem:
    return await service.pin(session, cipher, staff.subject, member_id)


@router.delete(
    "/staff/me/pinned-members/{member_id}",
    response_model=Unpinned,
    summary="Unpin a member",
    description="Unpins the member for the caller; the same answer whether it was pinned or not.",
)
async def unpin_member(member_id: uuid.UUID, session: Session, staff: Staff) -> Unpinned:
    await service.unpin(session, staff.subject, member_id)
    return Unpinned(member_id=member_id)
