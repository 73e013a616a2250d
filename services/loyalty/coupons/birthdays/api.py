"""HTTP routes of the program's birthday coupon (marketing sets it; staff read it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.coupons.birthdays import service
from services.loyalty.coupons.birthdays.schemas import BirthdayCouponIn, BirthdayCouponOut
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/coupons/birthday", tags=["coupons"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]


@router.get(
    "",
    response_model=BirthdayCouponOut,
    summary="Read the birthday coupon",
    description="Staff with role marketing, service or analyst. `definition_id` null: none.",
)
async def get_birthday_coupon(session: Session, _: Readers) -> BirthdayCouponOut:
    return await service.get_setting(session)


@router.put(
    "",
    response_model=BirthdayCouponOut,
    summary="Set the birthday coupon",
    description=(
        "Marketing. A daily job grants a coupon of this definition to each member on their "
        "birthday in the brand's timezone (members born on 29 February get it on 28 "
        "February in other years), once per member and year (grant key `birthday-<year>`). "
        "Give the definition a per-member limit of a few years' coupons: the limit counts "
        "every coupon of it the member was granted. `null` stops the grants. 404 "
        "`coupon-definition-not-found`."
    ),
    responses=problem(
        CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")
    ),
)
async def set_birthday_coupon(
    body: BirthdayCouponIn, session: Session, principal: Marketing
) -> BirthdayCouponOut:
    return await service.set_setting(session, body, by=principal.subject)
