"""HTTP routes of the member's rights: parse, authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.customer.config import Settings
from services.customer.history.domain import actor_of
from services.customer.members.errors import MemberErased, MemberNotFound
from services.customer.privacy import service
from services.customer.privacy.schemas import Erasure, MemberExport
from services.customer.profiles.errors import MemberLocked
from services.customer.profiles.schemas import NoBody
from shared.audit.reads import AuditedRead, audited_read
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

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


@router.get(
    "/members/{member_id}/export",
    response_model=MemberExport,
    summary="Export everything held about a member (PIPL art. 45)",
    description=(
        "An admin or the member themself. One JSON document: customer's part (the "
        "profile in clear, consent records with the privacy-policy versions they were "
        "given under, every consent and profile change, tags, category, custom fields, "
        "household, service-desk tickets with their texts) and each other service's, "
        "which customer asks for with the caller's own bearer token (`GET "
        "/members/{id}/export` of orders: sales and returns; loyalty: balance, tier, "
        "ledger, coupons, stored value, reward orders, referrals, draws; messaging: "
        "notifications "
        "and opt-outs; analytics: the KPIs' view of the member and the saved segments "
        "they are in). A service that does not answer makes it 503 "
        "`export-peer-unavailable` (naming `service`, with `Retry-After`): an export is "
        "whole or not given. "
        "An admin's export is recorded in the audit trail as an unmasked read "
        "(`member.export`). An erased member's is 410."
    ),
    responses={
        **MEMBER_ACCESS,
        **problem(MemberNotFound("No member with id 7d1c0a52-…")),
        **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
    },
)
async def export_member(
    member_id: uuid.UUID,
    request: Request,
    session: Session,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(current_principal)],
    _: Annotated[AuditedRead, audited_read("member.export")],
) -> MemberExport:
    ensure_member_access(principal, member_id)
    settings: Settings = request.app.state.settings
    return await service.export(
        session,
        cipher,
        settings,
        member_id,
        principal,
        request.headers["Authorization"],
    )
