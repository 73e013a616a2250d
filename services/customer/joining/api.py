"""HTTP routes of joining: the joining policy (admin) and the card fee report (staff)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request

from services.customer.joining import service
from services.customer.joining.schemas import CardFeeReport, JoiningPolicyIn, JoiningPolicyOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.errors import InvalidRequest
from shared.inputs import TradingDate
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(tags=["joining"])


def _timezone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.business_timezone)


@router.get(
    "/program/joining-policy",
    response_model=JoiningPolicyOut,
    summary="Read the joining policy (入会条件) and card fee",
    description="Staff with role admin, service or marketing (who register members).",
)
async def get_joining_policy(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("admin", "service", "marketing"))],
) -> JoiningPolicyOut:
    return await service.get_policy(session)


@router.put(
    "/program/joining-policy",
    response_model=JoiningPolicyOut,
    summary="Set the joining policy (入会条件) and card fee (卡费)",
    description=(
        "Admin. `admits`: `open` (anyone; alone), or any of `purchase` (one receipt at or "
        "over `min_purchase_fen`, 一次性购买) and `earlier_customer` (proof of an earlier "
        "purchase). `card_fee_fen`: the card fee, 0 for none. Applies to registrations from "
        "now on; imports of existing customers are not subject to it. Each change moves "
        "`version` on; the same policy again changes nothing."
    ),
)
async def put_joining_policy(
    body: JoiningPolicyIn,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles("admin"))],
) -> JoiningPolicyOut:
    return await service.set_policy(session, body, by=principal.subject)


@router.get(
    "/card-fees",
    response_model=CardFeeReport,
    summary="Card fees per day",
    description=(
        "Staff with role admin, service or analyst. Card fees paid (count and fen) and "
        "waived per day from `from` to `to` (both included, days of the brand's business "
        "timezone), at most 366 days; `to` before `from` is 422 naming `to`."
    ),
    responses=problem(InvalidRequest("to must be from or up to 365 days after it")),
)
async def card_fees(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("admin", "service", "analyst"))],
    timezone: Annotated[ZoneInfo, Depends(_timezone)],
    first: Annotated[
        TradingDate, Query(alias="from", description="The first day", examples=["2026-11-30"])
    ],
    last: Annotated[
        TradingDate, Query(alias="to", description="The last day", examples=["2026-11-30"])
    ],
) -> CardFeeReport:
    return await service.card_fee_report(session, first, last, timezone)
