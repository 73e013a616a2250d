"""HTTP routes of yearly-spend band rules: added and run for a year by marketing, read by
staff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from services.loyalty.coupon_bands import service
from services.loyalty.coupon_bands.errors import CouponBandRuleNotFound, CouponBandYearAhead
from services.loyalty.coupon_bands.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    BandRuleIn,
    BandRuleOut,
    BandRunIn,
    BandRunOut,
)
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/coupons/band-rules", tags=["coupons"])

marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(marketing)]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]
RulePost = Annotated[IdempotentPost, Depends(Idempotent(marketing, example="bands-2026"))]
RunPost = Annotated[IdempotentPost, Depends(Idempotent(marketing, example="bands-2026-run"))]

NO_RULE = problem(
    CouponBandRuleNotFound("No coupon band rule 6c9f4e5d-1a7b-4c8d-8e9f-0a1b2c3d4e5f")
)


@router.post(
    "",
    status_code=201,
    response_model=BandRuleOut,
    summary="Add a yearly-spend band rule",
    description=(
        "Marketing. Bands of qualifying spend in a calendar year of the brand's timezone "
        "(purchases by sale time, net of returns and voids; each member's own, also in a "
        "household), each naming the coupon definition its members get: a member gets one "
        "coupon, of the highest band their spend reaches (`≥ min_spend_fen`). With "
        "`run_on_month`/`run_on_day` the rule runs by itself on that day each year for the "
        "year before. 404 `coupon-definition-not-found` for a band's definition; 422 naming "
        "the field."
    ),
    responses={
        **problem(
            CouponDefinitionNotFound("No coupon definition 3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")
        ),
        **openapi_conflict(),
    },
)
async def add_rule(
    body: BandRuleIn, session: Session, principal: Marketing, idempotent: RulePost
) -> JSONResponse:
    answer = await idempotent.run(
        body, lambda: service.add_rule(session, body, by=principal.subject)
    )
    return answer.response(location=f"/coupons/band-rules/{answer.body['id']}")


@router.get(
    "/{rule_id}",
    response_model=BandRuleOut,
    summary="Read a yearly-spend band rule",
    description="Staff with role marketing, service or analyst.",
    responses=NO_RULE,
)
async def get_rule(rule_id: uuid.UUID, session: Session, _: Readers) -> BandRuleOut:
    return await service.get_rule(session, rule_id)


@router.post(
    "/{rule_id}/runs",
    status_code=202,
    response_model=BandRunOut,
    summary="Run a band rule for a year",
    description=(
        "Marketing. Places every member by their qualifying spend of `year` as it stands "
        "now and hands each band's members to a bulk grant (grant key "
        "`band:<rule>:<year>`), followed at `GET /coupons/definitions/{id}/grants/"
        "{batch_id}`. Once per rule and year: a run again answers the first run (members "
        "keep the band it placed them in, whatever they bought or returned since). 404 "
        "`coupon-band-rule-not-found`; 422 `coupon-band-year-ahead` for a year not begun."
    ),
    responses={
        **NO_RULE,
        **problem(CouponBandYearAhead("2027 has not begun")),
        **openapi_conflict(),
    },
)
async def run_rule(
    rule_id: uuid.UUID,
    body: BandRunIn,
    session: Session,
    principal: Marketing,
    idempotent: RunPost,
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: service.run(
            session, rule_id, body.year, by=principal.subject, now=datetime.now(UTC)
        ),
        path={"rule_id": str(rule_id)},
        status=202,
    )
    return answer.response(location=f"/coupons/band-rules/{rule_id}/runs/{body.year}")


@router.get(
    "/{rule_id}/runs/{year}",
    response_model=BandRunOut,
    summary="Read a band rule's run of a year",
    description="Staff with role marketing, service or analyst: each band's members and batch.",
    responses=NO_RULE,
)
async def get_run(
    rule_id: uuid.UUID,
    year: Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="The year of the run")],
    session: Session,
    _: Readers,
) -> BandRunOut:
    return await service.get_run(session, rule_id, year)
