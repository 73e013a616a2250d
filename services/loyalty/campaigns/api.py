"""HTTP routes of campaigns (营销活动): marketing makes and reads them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.loyalty.campaigns import service
from services.loyalty.campaigns.errors import CampaignNotFound, InvalidCampaign
from services.loyalty.campaigns.schemas import CampaignIn, CampaignList, CampaignOut, Leaderboard
from shared.auth import Principal, require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import PageSize

router = APIRouter(prefix="/campaigns", tags=["program"])

marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(marketing)]
MarketingPost = Annotated[IdempotentPost, Depends(Idempotent(marketing, example="carnival-2027"))]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]

HOW_IT_EARNS = (
    "A sale made from `starts_at` to before `ends_at` earns, on top of the earning rules, "
    "(`multiplier_percent` − 100) of the base rate on its lines in scope (lines the rules "
    "exclude never are; a category counts its descendants), rounded down once per sale, "
    "and `bonus_points` when its qualifying spend (the net fen of those lines) reaches "
    "`bonus_threshold_fen`. The rules' caps and minimum spend do not apply to these "
    "points; `budget_points` bounds them, and a sale gets what is left when it runs out. "
    "With `giveaway_definition_id`, a sale whose qualifying spend reaches "
    "`giveaway_threshold_fen` also gets one coupon of that definition (naming the campaign; "
    "once per purchase), while `giveaway_quantity` and the definition's quantity, budget "
    "and per-member limit last; a sale refused a coupon earns as before."
)
_ID = "3c9e2f4a-7b1d-4e5f-9a0b-1c2d3e4f5a6b"


@router.post(
    "",
    status_code=201,
    response_model=CampaignOut,
    summary="Make a campaign",
    description=(
        f"Staff with role marketing. {HOW_IT_EARNS} It starts now or later and is never "
        "changed. `ends_at` not later than `starts_at`, or neither a multiplier nor a "
        "bonus nor giveaway, half a reward or giveaway, a giveaway definition that does not "
        "exist, or an awarded tier's last day before the campaign's end, is a 422 "
        "`invalid-campaign`; a scope or awarded tier not on the ladder a 422 `unknown-tier`. "
        "At its end the top `reward_top_n` spenders get `reward_points` and/or are placed on "
        "`reward_tier_code` until the end of `reward_tier_until` (a member above it keeps "
        "theirs). A retry with the same `Idempotency-Key` answers the campaign made "
        "then: never a second one with a budget of its own."
    ),
    responses={
        **problem(
            InvalidCampaign(
                "ends_at (2027-01-01T00:00:00+00:00) must be later than starts_at "
                "(2027-01-11T00:00:00+00:00)"
            ),
            description=f"{InvalidCampaign.title}, an unknown tier, or invalid input",
        ),
        **openapi_conflict(),
    },
)
async def create_campaign(
    body: CampaignIn, session: Session, principal: Marketing, idempotent: MarketingPost
) -> JSONResponse:
    answer = await idempotent.run(body, lambda: service.create(session, body, by=principal.subject))
    return answer.response(location=f"/campaigns/{answer.body['id']}")


@router.get(
    "",
    response_model=CampaignList,
    summary="List campaigns",
    description="Staff with role marketing, service or analyst; the latest starting first.",
)
async def list_campaigns(
    session: Session,
    _: Readers,
    limit: Annotated[PageSize, Query(description="At most: 1 to 200")] = 50,
) -> CampaignList:
    return await service.latest(session, limit)


@router.get(
    "/{campaign_id}",
    response_model=CampaignOut,
    summary="Read a campaign",
    description="Staff with role marketing, service or analyst; `spent_points` is its budget used.",
    responses=problem(CampaignNotFound(f"No campaign {_ID}")),
)
async def get_campaign(campaign_id: uuid.UUID, session: Session, _: Readers) -> CampaignOut:
    return await service.get(session, campaign_id)


@router.get(
    "/{campaign_id}/leaderboard",
    response_model=Leaderboard,
    summary="Read a campaign's top spenders",
    description=(
        "Staff with role marketing, service or analyst. Members by qualifying spend inside "
        "the window (the net fen of their lines in scope), less returns (a return takes its "
        "share of a purchase's qualifying spend in proportion to the refund, rounded "
        "down), highest first; of equal ones the lower member id first. `limit`: the top N."
    ),
    responses=problem(CampaignNotFound(f"No campaign {_ID}")),
)
async def get_leaderboard(
    campaign_id: uuid.UUID,
    session: Session,
    _: Readers,
    limit: Annotated[PageSize, Query(description="Top N: 1 to 200")] = 10,
) -> Leaderboard:
    return await service.leaderboard(session, campaign_id, limit)
