"""HTTP route of the tiers capability: replacing the ladder, which places members anew."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from services.loyalty.program.schemas import LADDER_EXAMPLE, LadderIn
from services.loyalty.tiers import service
from services.loyalty.tiers.schemas import LadderReplaced
from shared.auth import Principal, require_roles
from shared.dependencies import RequestSession as Session

router = APIRouter(prefix="/program", tags=["program"])


@router.put(
    "/tiers",
    response_model=LadderReplaced,
    summary="Replace the tier ladder",
    description=(
        "The whole ladder, lowest tier first (1 to 20 tiers): unique codes, exactly one base "
        "tier with `threshold_fen` 0, thresholds rising strictly (422 `invalid-tier-ladder` "
        "otherwise). Members on a tier that is no longer on the ladder are placed by their "
        "qualifying spend (publishing `loyalty.tier.changed`); earning rules' multipliers of "
        "removed tiers match no one (and `GET /program/earning-rule` leaves them out)."
    ),
)
async def put_tiers(
    tiers: Annotated[LadderIn, Body(examples=[LADDER_EXAMPLE])],
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing"))],
) -> LadderReplaced:
    return await service.replace_ladder(session, tiers)
