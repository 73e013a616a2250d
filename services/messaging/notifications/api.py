"""HTTP routes of notifications: a member's notifications and delivery statistics."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request

from services.messaging.notifications import service
from services.messaging.notifications.schemas import NotificationOut, NotificationStats
from shared.auth import (
    MEMBER_ACCESS,
    Principal,
    current_principal,
    ensure_member_access,
    require_roles,
)
from shared.dependencies import RequestSession as Session
from shared.events.messaging import Channel
from shared.inputs import TradingDate
from shared.pagination import PageSize

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
    response_model=list[NotificationOut],
    summary="A member's notifications, newest first",
    description="Staff (service, marketing) or the member themself. Recipients are masked.",
    responses=MEMBER_ACCESS,
)
async def member_notifications(
    member_id: Annotated[uuid.UUID, Path(description="The member's id (a UUID)")],
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="How many, newest first (1 to 200)")] = 50,
    channel: OnlyChannel = None,
) -> list[NotificationOut]:
    ensure_member_access(principal, member_id, "service", "marketing")
    return await service.list_notifications(session, member_id, limit, channel)


@router.get(
    "/notifications/stats",
    response_model=NotificationStats,
    summary="Notification counts per channel and status",
    description=(
        "Staff (service, marketing, analyst). Includes the SMS cost the gateway charged. "
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
