"""HTTP routes of the program: reading the ladder, reading and setting the earning rule.

Replacing the ladder also places members whose tier is gone, so its route is the tiers
capability's (:mod:`services.loyalty.tiers.api`), under the same ``/program`` prefix.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.program import service
from services.loyalty.program.schemas import EarningRuleIn, EarningRuleOut, Ladder
from shared.auth import Principal, current_principal, require_roles
from shared.dependencies import RequestSession as Session

router = APIRouter(prefix="/program", tags=["program"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]


@router.get(
    "/tiers",
    response_model=Ladder,
    summary="Read the tier ladder",
    description="Any signed-in caller (members see the benefits of each tier).",
)
async def get_tiers(
    session: Session, _: Annotated[Principal, Depends(current_principal)]
) -> Ladder:
    return await service.get_ladder(session)


@router.get(
    "/earning-rule",
    response_model=EarningRuleOut,
    summary="Read the earning rule",
    description="Staff with role marketing, service or analyst.",
)
async def get_earning_rule(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> EarningRuleOut:
    return await service.get_earning_rule(session)


@router.put(
    "/earning-rule",
    response_model=EarningRuleOut,
    summary="Set the earning rule",
    description=(
        "Points per yuan (0 to 1,000), and a multiplier per tier in percent (0 to 1,000; "
        "100 = ×1). A purchase earns floor(total_fen × points_per_yuan × multiplier / 10000) "
        "at the member's tier before the purchase. Naming a tier that is not on the ladder "
        "is refused with 422 (`unknown-tier`)."
    ),
)
async def put_earning_rule(body: EarningRuleIn, session: Session, _: Marketing) -> EarningRuleOut:
    return await service.set_earning_rule(session, body)
