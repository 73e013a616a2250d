"""HTTP routes of tier coupons (marketing sets them; staff read them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.program.errors import UnknownTier
from services.loyalty.tier_coupons import service
from services.loyalty.tier_coupons.schemas import TierCouponsIn, TierCouponsOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/coupons/tier-coupons", tags=["coupons"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]


@router.get(
    "",
    response_model=TierCouponsOut,
    summary="Read the tiers' coupons",
    description="Staff with role marketing, service or analyst: each tier's definitions.",
)
async def get_tier_coupons(session: Session, _: Readers) -> TierCouponsOut:
    return await service.get(session)


@router.put(
    "",
    response_model=TierCouponsOut,
    summary="Set the tiers' coupons",
    description=(
        "Marketing; replaces every tier's definitions (a tier left out grants none). A "
        "daily job grants each member on a tier one coupon of each of its definitions per "
        "calendar year of the brand (grant key `tier:<code>:<year>`): at the latest the "
        "day after they reach it (by purchases or a staff assignment), and again each year "
        "they hold it; a member who drops and climbs back within the year gets none again. "
        "422 `unknown-tier` for a tier not on the ladder; 404 "
        "`coupon-definition-not-found`."
    ),
    responses={
        **problem(
            CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")
        ),
        **problem(UnknownTier("Not on the ladder: gold")),
    },
)
async def put_tier_coupons(
    body: TierCouponsIn, session: Session, principal: Marketing
) -> TierCouponsOut:
    return await service.replace(session, body, by=principal.subject)
