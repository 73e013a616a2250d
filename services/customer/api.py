"""HTTP routes of the customer service: parse, authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from services.customer import service
from services.customer.config import Settings
from services.customer.models import idempotency
from services.customer.schemas import MemberCreate, MemberCreated, MemberOut, MemberPage
from services.customer.service import PHONE_REGISTERED
from shared.auth import (
    MEMBER_ACCESS,
    Principal,
    current_principal,
    ensure_member_access,
    require_roles,
)
from shared.idempotency import StoredAnswer, openapi_conflict
from shared.openapi import problem
from shared.service_app import RequestSession as Session
from shared.service_app import pii_cipher

router = APIRouter(tags=["members"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post(
    "/members",
    status_code=201,
    response_model=MemberCreated,
    summary="Register a member",
    description=(
        "Creates the member and its card number (cards are numbered in joining order) and "
        "publishes `customer.member.registered`. The `Idempotency-Key` header is optional: "
        "a retry with the same key returns the first successful answer (kept 24 hours); "
        "without one, a retry cannot register the member twice either, as the phone number "
        "is unique, but it gets 409 instead of the first answer."
    ),
    responses=openapi_conflict(phone_registered=PHONE_REGISTERED),
)
async def register_member(
    body: MemberCreate,
    request: Request,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles("service", "marketing"))],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "Optional. With it, a retry with the same key and body gets the first "
                "successful answer, the key with another body 422, and a retry while the "
                "first request is still running 409 with `Retry-After`"
            ),
            examples=["signup-lilei"],
        ),
    ] = None,
) -> JSONResponse:
    async def register() -> MemberCreated:
        member = await service.register_member(
            session, _settings(request), pii_cipher(request), body
        )
        return MemberCreated(id=member.id, card_number=member.card_number)

    if idempotency_key is None:  # nothing to replay; the unique phone stops a second member
        answer = StoredAnswer(201, (await register()).model_dump(mode="json"), replayed=False)
    else:
        answer = await idempotency.run(
            session,
            scope=f"staff:{principal.subject}",
            key=idempotency_key,
            request=body,
            retention=timedelta(hours=_settings(request).idempotency_retention_hours),
            action=register,
        )
    return answer.response(location=f"/members/{answer.body['id']}")


@router.get(
    "/members/{member_id}",
    response_model=MemberOut,
    summary="Read a member's profile",
    description="Staff (service, marketing) or the member themself.",
    responses={**MEMBER_ACCESS, **problem(404, "No member with id 7d1c0a52-…")},
)
async def get_member(
    member_id: uuid.UUID,
    request: Request,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> MemberOut:
    ensure_member_access(principal, member_id, "service", "marketing")
    member = await service.get_member(session, member_id)
    return service.to_out(pii_cipher(request), member)


@router.get(
    "/members",
    response_model=MemberPage,
    summary="List or look up members",
    description=(
        "With `phone` or `card_number`, finds that member; otherwise lists members in "
        "joining order. Phone and email are masked in lists."
    ),
)
async def list_members(
    request: Request,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    phone: Annotated[str | None, Query(examples=["13812345678"])] = None,
    card_number: Annotated[str | None, Query(examples=["8860000000013"])] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> MemberPage:
    cipher = pii_cipher(request)
    if phone is not None or card_number is not None:
        found = await service.find_members(session, cipher, phone=phone, card_number=card_number)
        return MemberPage(items=[service.to_list_item(cipher, m) for m in found])
    return await service.list_members(session, cipher, limit, cursor)
