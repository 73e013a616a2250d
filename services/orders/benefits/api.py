"""A till reads what a member's tier gives them (discount, points multiplier, birthday
gift, priority service) with its store key; loyalty keeps tiers, orders asks it
(:mod:`services.orders.tenders.loyalty`), as it does for points at the till."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.orders.benefits import service
from services.orders.benefits.schemas import MemberBenefitsOut, MemberById, MemberNamed
from services.orders.directory.domain import UNKNOWN_CARD_EXAMPLE
from services.orders.directory.misses import StoreMisses
from services.orders.tenders.errors import BenefitsNotFound
from services.orders.tenders.loyalty import BENEFITS_UNAVAILABLE_DOC, LoyaltyClient
from shared.dependencies import Cipher, CurrentStore, RequestSession
from shared.openapi import problem

router = APIRouter(prefix="/members", tags=["members"])

NOT_FOUND = problem(
    BenefitsNotFound(UNKNOWN_CARD_EXAMPLE),
    description=(
        f"{BenefitsNotFound.title}: orders does not know the member (yet), or loyalty has "
        "no account for them (`cause` is loyalty's problem type)"
    ),
)
RESPONSES = {**NOT_FOUND, **BENEFITS_UNAVAILABLE_DOC}
DESCRIPTION = (
    "For tills, with the store's API key (`X-API-Key`): orders asks loyalty, which keeps "
    "tiers. 404 `benefits-not-found` if orders does not know the member (a member who has "
    "just registered is known within about a second) or loyalty has no account for them; "
    "loyalty not answering is 503 `loyalty-unavailable` with `Retry-After` (serve the "
    "member without their benefits)."
)


@router.get(
    "/benefits",
    response_model=MemberBenefitsOut,
    summary="What a member's tier gives them now, by card number or phone",
    description=f"Name the member by exactly one of `card_number` or `phone`. {DESCRIPTION}",
    responses=RESPONSES,
)
async def benefits_by_reference(
    named: Annotated[MemberNamed, Query()],
    session: RequestSession,
    cipher: Cipher,
    store: CurrentStore,
    loyalty: LoyaltyClient,
    misses: StoreMisses,
) -> MemberBenefitsOut:
    with misses.watching(store.id, BenefitsNotFound):
        return await service.benefits_of(session, cipher, loyalty, named)


@router.get(
    "/{member_id}/benefits",
    response_model=MemberBenefitsOut,
    summary="What a member's tier gives them now",
    description=DESCRIPTION,
    responses=RESPONSES,
)
async def benefits_by_id(
    member_id: uuid.UUID,
    session: RequestSession,
    cipher: Cipher,
    store: CurrentStore,
    loyalty: LoyaltyClient,
    misses: StoreMisses,
) -> MemberBenefitsOut:
    with misses.watching(store.id, BenefitsNotFound):
        return await service.benefits_of(session, cipher, loyalty, MemberById(member_id))
