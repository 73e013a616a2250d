"""HTTP routes of notifications: a member's notifications and delivery statistics."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

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

router = APIRouter(tags=["notifications"])


@router.get(
    "/members/{member_id}/notifications",
    response_model=list[NotificationOut],
    summary="A member's notifications, newest first",
    description="Staff (service, marketing) or the member themself. Recipients are masked.",
    responses=MEMBER_ACCESS,
)
async def member_notifications(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NotificationOut]:
    ensure_member_access(principal, member_id, "service", "marketing")
    return await service.list_notifications(session, member_id, limit)


@router.get(
    "/notifications/stats",
    response_model=NotificationStats,
    summary="Notification counts per channel and status",
    description="Staff (service, marketing, analyst). Includes the SMS cost the gateway charged.",
)
async def notification_stats(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
) -> NotificationStats:
    return await service.stats(session)
