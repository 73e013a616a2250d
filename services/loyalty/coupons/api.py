"""HTTP routes of coupons: definitions (marketing writes; marketing, service and analyst
read), grants to a member (marketing, service) and a member's coupons."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.coupons import service, validation
from services.loyalty.coupons.errors import (
    CouponDefinitionEnded,
    CouponDefinitionNotFound,
    CouponLimitReached,
    CouponsExhausted,
)
from services.loyalty.coupons.schemas import (
    CouponList,
    CouponOut,
    DefinitionIn,
    DefinitionList,
    DefinitionOut,
    GrantIn,
    ValidateIn,
)
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.coupons import ValidationOut
from shared.dependencies import RequestSession as Session
from shared.dependencies import SingleStatementSession as SingleStatement
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/coupons", tags=["coupons"])
members = APIRouter(prefix="/members", tags=["coupons"])

marketing = require_roles("marketing")
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]
Marketing = Annotated[Principal, Depends(marketing)]
Till = Annotated[Principal, Depends(require_roles("service", "marketing"))]
MarketingPost = Annotated[
    IdempotentPost, Depends(Idempotent(marketing, example="anniversary-200-30"))
]
Limit = Annotated[PageSize, Query(description="How many, newest first: 1 to 200")]
After = Annotated[Cursor | None, Query(description="`next_cursor` of the previous page")]

NO_ACCOUNT = problem(
    AccountNotFound("No loyalty account for member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11")
)
NO_DEFINITION_OR_ACCOUNT = problem(
    CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"),
    description="No such coupon definition (`coupon-definition-not-found`), or no loyalty "
    "account for the member (`account-not-found`)",
)
NO_DEFINITION = problem(
    CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")
)


@router.post(
    "/definitions",
    status_code=201,
    response_model=DefinitionOut,
    summary="Add a coupon definition",
    description=(
        "Marketing. Kinds: `threshold_off` (满减: eligible spend ≥ `threshold_fen` takes "
        "`off_fen` off), `percent_off` (rounded down, at most `cap_fen`), `cash_voucher` "
        "(代金券: at most the eligible spend, no change, never cash), `free_gift` (one unit "
        "of `sku`). A discount is shared over the lines in scope pro rata, each share "
        "rounded down, the fen left over to the largest line (the lowest line number of "
        "equal ones). A sale takes one coupon unless all are `stackable`, then at most one "
        "of each kind. Validity is a fixed window or `valid_days` in the brand's timezone. "
        "Invalid input is a 422 naming the field."
    ),
    responses=openapi_conflict(),
)
async def create_definition(
    body: DefinitionIn, session: Session, principal: Marketing, idempotent: MarketingPost
) -> JSONResponse:
    answer = await idempotent.run(
        body, lambda: service.create_definition(session, body, by=principal.subject)
    )
    return answer.response(location=f"/coupons/definitions/{answer.body['id']}")


@router.post(
    "/validate",
    response_model=ValidationOut,
    summary="Price a basket with a member's coupons",
    description=(
        "Staff with role service (a store's till through orders) or marketing. Each of the "
        "member's active coupons is tried on its own against the basket: those that apply "
        "with their discount per line (shared over the lines in scope pro rata, each share "
        "rounded down, the fen left over to the largest line, the lowest line number of "
        "equal ones), the others with a reason code. Nothing is reserved or written; codes "
        "are masked. A sale takes one coupon unless all are `stackable` (then one of each "
        "kind). 404 `account-not-found` for a member loyalty has no account of."
    ),
    responses=NO_ACCOUNT,
)
async def validate(body: ValidateIn, session: SingleStatement, _: Till) -> ValidationOut:
    return await validation.validate(session, body)


@router.get(
    "/definitions",
    response_model=DefinitionList,
    summary="List coupon definitions",
    description=(
        "Staff with role marketing, service or analyst; the newest first (ties by id), "
        "`limit` at a time: pass a page's `next_cursor` as `cursor` for the next page."
    ),
)
async def list_definitions(
    session: Session, _: Readers, limit: Limit = 50, cursor: After = None
) -> DefinitionList:
    return await service.list_definitions(session, limit, cursor)


@router.get(
    "/definitions/{definition_id}",
    response_model=DefinitionOut,
    summary="Read a coupon definition",
    description="Staff with role marketing, service or analyst, with what was issued of it.",
    responses=NO_DEFINITION,
)
async def get_definition(definition_id: uuid.UUID, session: Session, _: Readers) -> DefinitionOut:
    return await service.get_definition(session, definition_id)


grantors = require_roles("marketing", "service")
Grantor = Annotated[Principal, Depends(grantors)]
GrantPost = Annotated[IdempotentPost, Depends(Idempotent(grantors, example="vip-1130-0001"))]
Caller = Annotated[Principal, Depends(current_principal)]


@members.post(
    "/{member_id}/coupons",
    status_code=201,
    response_model=CouponOut,
    summary="Grant a coupon to a member",
    description=(
        "Staff with role marketing or service. The coupon is held on the account the "
        "member's points are on (a household shares it); the same `grant_key` again "
        "answers the coupon granted then. Validity: the definition's window, or its days "
        "counted in the brand's timezone from today. 404 `coupon-definition-not-found` or "
        "`account-not-found`; 409 `coupons-exhausted` (quantity or budget), "
        "`coupon-limit-reached` (per member) or `coupon-definition-ended`. The code is "
        "masked in the answer: only the member reads it whole."
    ),
    responses={
        **NO_DEFINITION_OR_ACCOUNT,
        **openapi_conflict(
            CouponsExhausted("'满200减30' has no coupons left to grant"),
            CouponLimitReached("member 0b9f5f7e-… holds 1 of '满200减30'"),
            CouponDefinitionEnded("'满200减30' was valid until 2026-12-31 16:00:00+00:00"),
        ),
    },
)
async def grant_coupon(
    member_id: uuid.UUID, body: GrantIn, session: Session, _: Grantor, idempotent: GrantPost
) -> JSONResponse:
    answer = await idempotent.run(
        body, lambda: service.grant(session, member_id, body, show_code=False)
    )
    return answer.response(location=f"/members/{member_id}/coupons")


@members.get(
    "/{member_id}/coupons",
    response_model=CouponList,
    summary="List a member's coupons",
    description=(
        "The member (codes shown whole, to type or show at a till) or staff with role "
        "marketing or service (codes masked). The coupons on the member's account, a "
        "household's shared ones included, the latest granted first (ties by id), `limit` "
        "at a time: pass a page's `next_cursor` as `cursor` for the next page."
    ),
    responses={**MEMBER_ACCESS, **NO_ACCOUNT},
)
async def list_coupons(
    member_id: uuid.UUID,
    session: Session,
    principal: Caller,
    limit: Limit = 50,
    cursor: After = None,
) -> CouponList:
    ensure_member_access(principal, member_id, "marketing", "service")
    own = principal.member_id == member_id
    return await service.coupons_of(session, member_id, show_code=own, limit=limit, before=cursor)
