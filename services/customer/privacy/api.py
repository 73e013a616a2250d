"""HTTP routes of the member's rights: parse, authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.customer.history.domain import actor_of
from services.customer.members.errors import MemberNotFound
from services.customer.privacy import service
from services.customer.privacy.schemas import Erasure
from services.customer.profiles.errors import MemberLocked
from services.customer.profiles.schemas import NoBody
from shared.auth import MEMBER_ACCESS, Principal, current_principal, ensure_member_access
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem

router = APIRouter(tags=["privacy"])


@router.post(
    "/members/{member_id}/erasure",
    status_code=202,
    response_model=Erasure,
    summary="Erase a member (PIPL art. 47)",
    description=(
        "Staff (admin, service) or the member themself. In one transaction customer "
        "turns the member into a tombstone: name, phone, email, birthday, gender, address "
        "and occupation removed, phone hash and card number replaced by random values no "
        "till, search or sign-in finds, custom fields, tags, category and search entries "
        "deleted, every sign-in (refresh tokens) and sign-in code ended, the free text of "
        "their tickets and qualification removed, and the retained outbox rows and dead "
        "letters naming them scrubbed; it publishes `customer.member.erased` (ids only). "
        "The id stays, so sales, points and tickets stay valid, keyed by it. Answers 202: "
        "customer is done, and orders, loyalty, messaging and analytics apply the erasure "
        "as they consume the event (within seconds). From then on every read of the "
        "member is 410 `member-erased`. A locked profile (加锁) is refused (409 "
        "`member-locked`). `Idempotency-Key` is required; an erased member stays erased, "
        "so a second erasure (another key) answers the same tombstone and publishes "
        "nothing."
    ),
    responses={
        **MEMBER_ACCESS,
        **problem(MemberNotFound("No member with id 7d1c0a52-…")),
        **openapi_conflict(MemberLocked("Member 7d1c0a52-… is locked (加锁): unlock it first")),
    },
)
async def erase_member(
    member_id: uuid.UUID,
    session: Session,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(current_principal)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(current_principal, example="erase-7d1c0a52"))
    ],
) -> JSONResponse:
    ensure_member_access(principal, member_id, "service")

    async def erase() -> Erasure:
        return await service.erase(session, cipher, member_id, by=actor_of(principal))

    answer = await idempotent.run(NoBody(), erase, path={"member_id": str(member_id)}, status=202)
    return answer.response()
