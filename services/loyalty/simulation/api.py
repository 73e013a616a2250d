"""HTTP route of the simulation of earning rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.simulation import service
from services.loyalty.simulation.schemas import (
    CampaignDryRunIn,
    CampaignDryRunOut,
    SimulationIn,
    SimulationOut,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(prefix="/program", tags=["program"])
campaigns = APIRouter(prefix="/campaigns", tags=["program"])


@router.post(
    "/simulate",
    response_model=SimulationOut,
    summary="Simulate earning rules on a sale or on the stored purchases of a period",
    description=(
        "Staff with role marketing or analyst. Writes nothing. With `sale`: the points each "
        "rule gives it (by `rules` if given, else by the version in force at its "
        "`purchased_at`), line by line. With `period` (days in the brand's timezone, at "
        "most 366): the stored purchases made then, replayed in the order they were rated "
        "by `rules` (or the version in force now) and by the version in force now: total "
        "points, members, members affected and the change. Purchases recorded before "
        "loyalty kept sale lines replay as one uncategorised line of their total. A tier "
        "not on the ladder is refused with 422 (`unknown-tier`)."
    ),
)
async def simulate(
    body: SimulationIn,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "analyst"))],
) -> SimulationOut:
    return await service.simulate(session, body)


@campaigns.post(
    "/dry-run",
    response_model=CampaignDryRunOut,
    summary="Try a campaign on the stored purchases of a past period",
    description=(
        "Staff with role marketing or analyst. Writes nothing. The stored purchases made in "
        "`period` (days in the brand's timezone, at most 366), each seen by the rules "
        "version that rated it, in the order they were rated, earn what `campaign` would "
        "have added, drawn as live at each sale (a sale voided or returned since drew it "
        "then): the points it would have drawn from its budget, the coupons its giveaway "
        "would have given within `giveaway_quantity` and the definition as it stands now "
        "(coupons left, per-member limit less what each member holds, none once it ended) "
        "and how many of them returns since would take back, the members its scope reached "
        "and the top `reward_top_n` spenders its close-out would have rewarded, by "
        "qualifying spend net of returns (as the leaderboard counts it). Terms "
        "without an effect or with half a reward are a 422 `invalid-campaign`, a scope tier "
        "not on the ladder a 422 `unknown-tier`."
    ),
)
async def dry_run(
    body: CampaignDryRunIn,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "analyst"))],
) -> CampaignDryRunOut:
    return await service.dry_run(session, body)
