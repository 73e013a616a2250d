"""HTTP route of the program: reading the ladder.

Replacing the ladder also places members whose tier is gone, so its route is the tiers
capability's (:mod:`services.loyalty.tiers.api`); the earning rules are the rules
capability's (:mod:`services.loyalty.rules.api`), under the same ``/program`` prefix.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.program import service
from services.loyalty.program.schemas import Ladder
from shared.auth import current_principal
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(prefix="/program", tags=["program"])


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
