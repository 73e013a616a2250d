"""HTTP routes of campaigns (营销活动): marketing makes and reads them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from services.loyalty.campaigns import changes, service
from services.loyalty.campaigns.errors import (
    CampaignEnded,
    CampaignNotFound,
    CampaignStarted,
    InvalidCampaign,
)
from services.loyalty.campaigns.schemas import (
    CampaignChange,
    CampaignIn,
    CampaignList,
    CampaignOut,
    Leaderboard,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/campaigns", tags=["program"])

marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(marketing)]
MarketingPost = Annotated[IdempotentPost, Depends(Idempotent(marketing, example="carnival-2027"))]
MarketingPatch = Annotated[
    IdempotentPost, Depends(Idempotent(marketing, required=False, example="carnival-2027-end"))
]
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
        f"Staff with role marketing. {HOW_IT_EARNS} It starts now or later; until then "
        "all of it may change (`PATCH`), then only its name, end and budgets. `ends_at` "
        "not later than `starts_at`, or neither a multiplier nor a bonus nor giveaway, "
        "half a reward or giveaway, a giveaway definition that does not "
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
    description=(
        "Staff with role marketing, service or analyst; the latest starting first, `limit` "
        "at a time: pass a page's `next_cursor` as `cursor` for the next page."
    ),
)
async def list_campaigns(
    session: Session,
    _: Readers,
    limit: Annotated[PageSize, Query(description="At most: 1 to 200")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> CampaignList:
    return await service.latest(session, limit, cursor)


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


_NO_CAMPAIGN = problem(CampaignNotFound(f"No campaign {_ID}"))
_ENDED = CampaignEnded(
    f"campaign {_ID} ended at 2027-01-10T16:00:00+00:00 and was closed out; an ended "
    "campaign does not change"
)


@router.patch(
    "/{campaign_id}",
    response_model=CampaignOut,
    summary="Change a campaign",
    description=(
        "Staff with role marketing. A merge patch: the fields sent change, those left out "
        "stay, null clears an optional one. Until it starts, any field of the body that "
        "makes it may change, checked as a new campaign is (the same 422s). Once started, "
        "only `name`, `ends_at` (not before now; later extends it), `budget_points` and "
        "`giveaway_quantity` (not below what it gave; null lifts the bound): its effects "
        "and rewards are frozen, since every earn entry names the campaign and lift, the "
        "leaderboard and the close-out read one set of terms (409 `campaign-started` "
        "naming the field). Once its end has come it does not change (409 "
        "`campaign-ended`). A field sent with its value changes nothing. Publishes "
        "`loyalty.campaign.changed` when something changed. An `Idempotency-Key` is "
        "optional: with one, a retry answers the first change instead of applying it "
        "again over a later one."
    ),
    responses={
        **_NO_CAMPAIGN,
        **problem(
            InvalidCampaign("budget_points (100) must not be below the 250 points it gave"),
            description=f"{InvalidCampaign.title}, an unknown tier, or invalid input",
        ),
        **openapi_conflict(
            _ENDED,
            CampaignStarted(
                f"campaign {_ID} started at 2026-12-31T16:00:00+00:00: multiplier_percent no "
                "longer changes (sales earned by it); only budget_points, ends_at, "
                "giveaway_quantity, name do"
            ),
        ),
    },
)
async def change_campaign(
    campaign_id: uuid.UUID,
    body: CampaignChange,
    session: Session,
    principal: Marketing,
    idempotent: MarketingPatch,
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: changes.change(session, campaign_id, body, by=principal.subject),
        path={"campaign_id": str(campaign_id)},
        status=200,
    )
    return answer.response()


class _NoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


@router.post(
    "/{campaign_id}/end",
    response_model=CampaignOut,
    summary="End a campaign now",
    description=(
        "Staff with role marketing. Its `ends_at` becomes now: later sales are outside it, "
        "and its close-out (top N rewards, `loyalty.campaign.closed`) runs once within a "
        "minute, as at a planned end. One not started yet gets an empty window (both "
        "times now): it never ran. Publishes `loyalty.campaign.changed` with "
        "`ended_early`. 409 `campaign-ended` once its end has come. A retry with the same "
        "`Idempotency-Key` answers the first end."
    ),
    responses={**_NO_CAMPAIGN, **openapi_conflict(_ENDED)},
)
async def end_campaign(
    campaign_id: uuid.UUID, session: Session, principal: Marketing, idempotent: MarketingPost
) -> JSONResponse:
    answer = await idempotent.run(
        _NoBody(),
        lambda: changes.end(session, campaign_id, by=principal.subject),
        path={"campaign_id": str(campaign_id)},
        status=200,
    )
    return answer.response()
