"""HTTP routes of notifications: a member's notifications and delivery statistics."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.messaging.config import PROVIDER_NAME_PATTERN
from services.messaging.notifications import service
from services.messaging.notifications.domain import DAILY_HEADER
from services.messaging.notifications.errors import PeriodReversed, PeriodTooLong
from services.messaging.notifications.schemas import (
    DailyStats,
    NotificationPage,
    NotificationStats,
)
from services.messaging.templates.domain import Template
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.dependencies import RequestSession as Session
from shared.events.messaging import Channel
from shared.inputs import TradingDate
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(tags=["notifications"])

OnlyChannel = Annotated[
    Channel | None, Query(description="Only notifications on this channel", examples=["sms"])
]


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def business_timezone(request: Request) -> ZoneInfo:
    """The brand's timezone, in which the days of a period are counted."""
    return _zone(request.app.state.settings.business_timezone)


@router.get(
    "/members/{member_id}/notifications",
    response_model=NotificationPage,
    summary="A member's notifications, newest first",
    description=(
        "Staff (service, marketing) or the member themself. Recipients are masked. The "
        "newest first (ties by id), `limit` at a time: pass a page's `next_cursor` as "
        "`cursor` (with the same `channel`) for the next page."
    ),
    responses=MEMBER_ACCESS,
)
async def member_notifications(
    member_id: Annotated[uuid.UUID, Path(description="The member's id (a UUID)")],
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="How many, newest first (1 to 200)")] = 50,
    channel: OnlyChannel = None,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> NotificationPage:
    ensure_member_access(principal, member_id, "service", "marketing")
    return await service.list_notifications(session, member_id, limit, channel, cursor)


@router.get(
    "/notifications/stats",
    response_model=NotificationStats,
    summary="Notification counts per channel and status",
    description=(
        "Staff (service, marketing, analyst). Includes the SMS cost at the providers' prices. "
        "Counts the notifications created on the days `from` to `to` (both included, in the "
        "brand's business timezone; either may be left out); `from` after `to` is the "
        "problem `period-reversed` (422)."
    ),
)
async def notification_stats(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    timezone: Annotated[ZoneInfo, Depends(business_timezone)],
    first: Annotated[
        TradingDate | None, Query(alias="from", description="The period's first day")
    ] = None,
    last: Annotated[
        TradingDate | None, Query(alias="to", description="The period's last day")
    ] = None,
    channel: OnlyChannel = None,
) -> NotificationStats:
    return await service.stats(session, first=first, last=last, channel=channel, timezone=timezone)


_DAILY_CSV_EXAMPLE = (
    ",".join(DAILY_HEADER) + "\r\n2026-11-30,sms,fallback,points_earned,,delivered,3,3,21\r\n"
    "2026-11-30,sms,primary,broadcast,5b1f0c7e-3c1a-4d2e-9f60-7a8b9c0d1e2f,delivered,2,2,20\r\n"
)


@router.get(
    "/notifications/stats/daily",
    response_model=DailyStats,
    summary="Notification counts per day, channel, provider, template and status, with cost",
    description=(
        "Staff (service, marketing, analyst). Counts the notifications created on the days "
        "`from` to `to` (both included, at most 366 days, in the brand's business timezone) "
        "per day, channel, SMS provider, template, bulk send (`broadcast_id`, the campaign; "
        "null for other messages) and status (`delivered`/`undelivered` come "
        "from the providers' receipts), with SMS segments and their cost in fen at each "
        "provider's price. `format=csv` (or `Accept: text/csv`) answers CSV with the header "
        f"`{','.join(DAILY_HEADER)}`."
    ),
    responses={
        200: {"content": {"text/csv": {"example": _DAILY_CSV_EXAMPLE}}},
        **problem(PeriodReversed("from (2026-12-01) is after to (2026-11-30)")),
        **problem(PeriodTooLong("from 2025-01-01 to 2026-11-30 is more than 366 days")),
    },
)
async def daily_stats(
    request: Request,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    timezone: Annotated[ZoneInfo, Depends(business_timezone)],
    first: Annotated[TradingDate, Query(alias="from", description="The period's first day")],
    last: Annotated[TradingDate, Query(alias="to", description="The period's last day")],
    channel: OnlyChannel = None,
    provider: Annotated[
        str | None,
        Query(
            description="Only SMS this provider took (its name in `sms_providers`)",
            pattern=PROVIDER_NAME_PATTERN,
            max_length=32,
            examples=["primary"],
        ),
    ] = None,
    template: Annotated[
        Template | None, Query(description="Only this template", examples=["points_earned"])
    ] = None,
    broadcast: Annotated[
        uuid.UUID | None,
        Query(
            description="Only the notifications of this bulk send (its id: the campaign)",
            examples=["5b1f0c7e-3c1a-4d2e-9f60-7a8b9c0d1e2f"],
        ),
    ] = None,
    output: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="csv: the same counts as CSV"),
    ] = None,
) -> DailyStats | Response:
    only = {
        name: value
        for name, value in (
            ("channel", channel),
            ("provider", provider),
            ("template", template),
            ("broadcast_id", broadcast),
        )
        if value is not None
    }
    stats = await service.daily_stats(session, first=first, last=last, timezone=timezone, only=only)
    if output == "csv" or (output is None and "text/csv" in request.headers.get("accept", "")):
        return Response(
            service.daily_csv(stats),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (f'attachment; filename="notifications-{first}-{last}.csv"')
            },
        )
    return stats
