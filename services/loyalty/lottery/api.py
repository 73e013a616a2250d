"""HTTP routes of lottery draws (抽奖): marketing makes draw campaigns, members draw,
staff audit the draws of a day and hand gifts over."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from services.loyalty.lottery import draws, service
from services.loyalty.lottery.errors import (
    FulfilmentNotFound,
    InvalidLotteryCampaign,
    LotteryCampaignEnded,
    LotteryCampaignNotFound,
    LotteryCampaignNotRunning,
    NoDrawChances,
)
from services.loyalty.lottery.schemas import (
    DayAudit,
    DrawIn,
    DrawOut,
    LotteryCampaignIn,
    LotteryCampaignList,
    LotteryCampaignOut,
    MemberDraws,
)
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.inputs import TradingDate
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/lottery", tags=["program"])
members_router = APIRouter(prefix="/members", tags=["members"])

marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(marketing)]
MarketingPost = Annotated[IdempotentPost, Depends(Idempotent(marketing, example="draw-2027"))]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]
Handing = Annotated[Principal, Depends(require_roles("marketing", "service"))]
After = Annotated[Cursor | None, Query(description="`next_cursor` of the previous page")]

_ID = "3c9e2f4a-7b1d-4e5f-9a0b-1c2d3e4f5a6b"
_NO_CAMPAIGN = problem(LotteryCampaignNotFound(f"No draw campaign {_ID}"))


@router.post(
    "/campaigns",
    status_code=201,
    response_model=LotteryCampaignOut,
    summary="Make a draw campaign",
    description=(
        "Staff with role marketing. Purchases from `starts_at` to before `ends_at` earn "
        "chances by `earn` (`per_sale`: one per sale whose total reaches `spend_fen`; "
        "`per_spend`: one per whole `spend_fen`, at least 100); members draw in that "
        "window. Prizes top first: each a `coupon` (definition), `points` or `gift`, with "
        "a probability in parts per 10,000 (the rest is no prize), a daily quota in the "
        "brand's timezone and where it falls out of quota (`next` lower prize or `none`). "
        "422 `invalid-lottery-campaign` for an end not after the start, probabilities "
        "over 10,000 in all, or an unknown definition. A retry with the same "
        "`Idempotency-Key` answers the campaign made then."
    ),
    responses={
        **problem(
            InvalidLotteryCampaign(
                "the prizes' probabilities add up to 10500 parts; at most 10000"
            ),
            description=f"{InvalidLotteryCampaign.title}, or invalid input",
        ),
        **openapi_conflict(),
    },
)
async def create_campaign(
    body: LotteryCampaignIn, session: Session, principal: Marketing, idempotent: MarketingPost
) -> JSONResponse:
    answer = await idempotent.run(body, lambda: service.create(session, body, by=principal.subject))
    return answer.response(location=f"/lottery/campaigns/{answer.body['id']}")


@router.get(
    "/campaigns",
    response_model=LotteryCampaignList,
    summary="List draw campaigns",
    description=(
        "Staff with role marketing, service or analyst; the latest starting first (ties by "
        "id), `limit` at a time: pass a page's `next_cursor` as `cursor` for the next page."
    ),
)
async def list_campaigns(
    session: Session,
    _: Readers,
    limit: Annotated[PageSize, Query(description="At most: 1 to 200")] = 50,
    cursor: After = None,
) -> LotteryCampaignList:
    return await service.latest(session, limit, cursor)


@router.get(
    "/campaigns/{campaign_id}",
    response_model=LotteryCampaignOut,
    summary="Read a draw campaign",
    description="Staff with role marketing, service or analyst; `won_today` per prize.",
    responses=_NO_CAMPAIGN,
)
async def get_campaign(campaign_id: uuid.UUID, session: Session, _: Readers) -> LotteryCampaignOut:
    return await service.get(session, campaign_id)


class _NoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


@router.post(
    "/campaigns/{campaign_id}/end",
    response_model=LotteryCampaignOut,
    summary="End a draw campaign now",
    description=(
        "Staff with role marketing. Its `ends_at` becomes now: later purchases earn no "
        "chances and no draw is made (unused chances lapse). One not started gets the "
        "empty window now–now: that is how a planned one is cancelled. 409 "
        "`lottery-campaign-ended` once its end has come. A retry with the same "
        "`Idempotency-Key` answers the first end."
    ),
    responses={
        **_NO_CAMPAIGN,
        **openapi_conflict(
            LotteryCampaignEnded(f"draw campaign {_ID} ended at 2027-01-10T16:00:00+00:00")
        ),
    },
)
async def end_campaign(
    campaign_id: uuid.UUID, session: Session, principal: Marketing, idempotent: MarketingPost
) -> JSONResponse:
    answer = await idempotent.run(
        _NoBody(),
        lambda: service.end(session, campaign_id, by=principal.subject),
        path={"campaign_id": str(campaign_id)},
        status=200,
    )
    return answer.response()


@router.get(
    "/campaigns/{campaign_id}/draws",
    response_model=DayAudit,
    summary="Audit a draw campaign's day",
    description=(
        "Staff with role marketing, service or analyst. The draws counted on the brand's "
        "`day` (default today), the latest first (ties by id), each with its random value, "
        "the prize picked and the prize given, `limit` at a time: pass a page's "
        "`next_cursor` as `cursor` (with the same `day`) for the next page; and on every "
        "page each prize's whole count that day."
    ),
    responses=_NO_CAMPAIGN,
)
async def audit_day(
    campaign_id: uuid.UUID,
    session: Session,
    _: Readers,
    day: Annotated[TradingDate | None, Query(description="The brand's day")] = None,
    limit: Annotated[PageSize, Query(description="At most: 1 to 200")] = 200,
    cursor: After = None,
) -> DayAudit:
    return await service.day_audit(session, campaign_id, day or service.today(), limit, cursor)


@router.post(
    "/draws/{draw_id}/fulfilment",
    response_model=DrawOut,
    summary="Hand a gift over",
    description=(
        "Staff with role marketing or service: the gift the draw won was handed to the "
        "member (`fulfilled_at`; `loyalty.draw.fulfilled` once). Again: the same answer. "
        "404 `lottery-fulfilment-not-found` for a draw that won no gift."
    ),
    responses=problem(FulfilmentNotFound(f"Draw {_ID} won no gift")),
)
async def fulfil(draw_id: uuid.UUID, session: Session, principal: Handing) -> DrawOut:
    return await service.fulfil(session, draw_id, by=principal.subject)


@members_router.post(
    "/{member_id}/draws",
    status_code=201,
    response_model=DrawOut,
    summary="Draw (抽奖)",
    description=(
        "The member themself or staff with role service. Spends one of the member's "
        "chances in the campaign; the prize is picked by the OS's secure generator and "
        "given within its daily quota (brand's timezone), else as its fallback says, and "
        "delivered in the same transaction (points, a coupon, or a gift to hand over). "
        "Publishes `loyalty.draw.made`. 409 `no-draw-chances` or "
        "`lottery-campaign-not-running`. The `Idempotency-Key` header is required: a "
        "retry answers the same draw."
    ),
    responses={
        **MEMBER_ACCESS,
        **problem(LotteryCampaignNotFound(f"No draw campaign {_ID}")),
        **openapi_conflict(
            NoDrawChances(f"member {_ID} has no draw chance left in {_ID}"),
            LotteryCampaignNotRunning(f"draw campaign {_ID} runs from … to before …"),
        ),
    },
)
async def draw(
    member_id: uuid.UUID,
    body: DrawIn,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(current_principal, example="draw-7f3a"))
    ],
) -> JSONResponse:
    ensure_member_access(principal, member_id, "service")
    answer = await idempotent.run(
        body, lambda: draws.draw(session, member_id, body), path={"member_id": str(member_id)}
    )
    return answer.response()


@members_router.get(
    "/{member_id}/draws",
    response_model=MemberDraws,
    summary="A member's draws and chances",
    description=(
        "The member, or staff with role marketing or service: unused chances per "
        "campaign (on every page) and the draws, the latest first (ties by id), `limit` at "
        "a time: pass a page's `next_cursor` as `cursor` for the next page."
    ),
    responses=MEMBER_ACCESS,
)
async def member_draws(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="How many, latest first: 1 to 200")] = 50,
    cursor: After = None,
) -> MemberDraws:
    ensure_member_access(principal, member_id, "marketing", "service")
    return await service.member_draws(session, member_id, limit, cursor)
