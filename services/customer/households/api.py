"""HTTP routes of households: open, join and leave by card number, read and list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from services.customer.households import service
from services.customer.households.errors import (
    AlreadyInHousehold,
    CardNotFound,
    HeadLeavesLast,
    HouseholdDissolved,
    HouseholdFull,
    HouseholdNotFound,
)
from services.customer.households.schemas import (
    HouseholdCreate,
    HouseholdJoin,
    HouseholdOut,
    HouseholdPage,
)
from services.customer.members.schemas import CardNumber
from shared.auth import MEMBER_ACCESS, current_principal, require_roles
from shared.dependencies import RequestSession as Session
from shared.errors import Forbidden
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/households", tags=["households"])
_staff = require_roles("service", "marketing")

NOT_FOUND = problem(HouseholdNotFound("No household with id 5e1d7c3a-…"))
NO_CARD = problem(CardNotFound("No member has card 8860000000017"))
ALREADY_IN = AlreadyInHousehold(
    "The member with card 8860000000025 is in a household already; they leave it before "
    "joining another"
)
LOYALTY = (
    " Loyalty follows from the event: the member's points move into the household's "
    "account, which every member holds."
)


@router.post(
    "",
    status_code=201,
    response_model=HouseholdOut,
    summary="Open a household",
    description=(
        "Staff (service, marketing). Opens a household (家庭) headed by the member with "
        "`head_card_number` and publishes `customer.household.created`. A member is in at "
        "most one household. The `Idempotency-Key` header is optional: a retry with the "
        "same key returns the first answer; without one a retry gets 409 "
        "(`already-in-household`), never a second household." + LOYALTY
    ),
    responses={**NO_CARD, **openapi_conflict(ALREADY_IN)},
)
async def create_household(
    body: HouseholdCreate,
    session: Session,
    _: Annotated[Principal, Depends(_staff)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="household-li"))
    ],
) -> JSONResponse:
    async def create() -> HouseholdOut:
        return await service.create_household(session, body)

    answer = await idempotent.run(body, create)
    return answer.response(location=f"/households/{answer.body['id']}")


@router.post(
    "/{household_id}/members",
    status_code=201,
    response_model=HouseholdOut,
    summary="Add a member to a household by card number",
    description=(
        "Staff (service, marketing). Publishes `customer.household.joined`. A household "
        "has at most 10 members. The `Idempotency-Key` header is optional, as for opening "
        "one." + LOYALTY
    ),
    responses={
        **NOT_FOUND,
        **NO_CARD,
        **openapi_conflict(
            ALREADY_IN,
            HouseholdFull("the household has 10 members, the most a household may have"),
            HouseholdDissolved("Household 5e1d7c3a-… was dissolved when its last member left"),
        ),
    },
)
async def join_household(
    household_id: uuid.UUID,
    body: HouseholdJoin,
    session: Session,
    _: Annotated[Principal, Depends(_staff)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="household-li-2"))
    ],
) -> JSONResponse:
    async def join() -> HouseholdOut:
        return await service.join(session, household_id, body)

    answer = await idempotent.run(body, join, path={"household_id": str(household_id)})
    return answer.response(location=f"/households/{household_id}")


@router.delete(
    "/{household_id}/members/{card_number}",
    response_model=HouseholdOut,
    summary="Remove a member from a household by card number",
    description=(
        "Staff (service, marketing). Publishes `customer.household.left`. The head leaves "
        "last (409 `head-leaves-last` while others remain); the last member leaving "
        "dissolves the household. Loyalty then gives the member what the program's "
        "household policy says they take with them (`GET /program/household-policy` on "
        "loyalty); the last member takes the whole balance."
    ),
    responses={
        **problem(
            404,
            "No member with card 8860000000025 is in household 5e1d7c3a-…",
            "No such household (`household-not-found`), or the card is not in it "
            "(`not-in-household`)",
        ),
        **problem(HeadLeavesLast("the head leaves last: 1 other members are still in it")),
    },
)
async def leave_household(
    household_id: uuid.UUID,
    card_number: Annotated[CardNumber, Path(examples=["8860000000025"])],
    session: Session,
    _: Annotated[Principal, Depends(_staff)],
) -> HouseholdOut:
    return await service.leave(session, household_id, card_number)


@router.get(
    "/{household_id}",
    response_model=HouseholdOut,
    summary="Read a household and its members",
    description="Staff (service, marketing, analyst), or a member of the household.",
    responses={**MEMBER_ACCESS, **NOT_FOUND},
)
async def get_household(
    household_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> HouseholdOut:
    if principal.member_id is None and principal.role not in (
        "admin",
        "service",
        "marketing",
        "analyst",
    ):
        raise Forbidden("This token may not read households")
    household = await service.get_household(session, household_id)
    if principal.member_id is not None and principal.member_id not in {
        m.member_id for m in household.members
    }:
        raise Forbidden("A member token can only read the household the member is in")
    return household


@router.get(
    "",
    response_model=HouseholdPage,
    summary="List households, or find a member's",
    description=(
        "Staff (service, marketing, analyst). With `card_number`, the household of that "
        "card's member (a list of at most one). Otherwise households in opening order, "
        "`limit` at a time."
    ),
)
async def list_households(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    card_number: Annotated[CardNumber | None, Query(examples=["8860000000017"])] = None,
    limit: Annotated[PageSize, Query(description="Households per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> HouseholdPage:
    return await service.list_households(session, limit, cursor, card_number)
