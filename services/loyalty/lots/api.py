"""HTTP routes of the points policy: pending, expiring and shortfall settings (marketing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.lots import service
from services.loyalty.lots.schemas import PointsPolicyIn, PointsPolicyOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(prefix="/program", tags=["program"])


@router.get(
    "/points-policy",
    response_model=PointsPolicyOut,
    summary="Read the points policy",
    description="Staff with role marketing, service or analyst.",
)
async def get_points_policy(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> PointsPolicyOut:
    return await service.get_policy(session)


@router.put(
    "/points-policy",
    response_model=PointsPolicyOut,
    summary="Set the points policy",
    description=(
        "Marketing. The return window (points of a purchase stay pending, not spendable, "
        "for that many days), the expiry of points, how many days ahead an expiry is "
        "announced, and whether the next earnings pay back shortfalls first. Applies to "
        "points credited from now on; points already credited keep their dates."
    ),
)
async def put_points_policy(
    body: PointsPolicyIn,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles("marketing"))],
) -> PointsPolicyOut:
    return await service.set_policy(session, body, by=principal.subject)
