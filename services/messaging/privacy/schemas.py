"""Response shapes of messaging's part of a member's export."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.messaging.notifications.schemas import NotificationOut
from shared.events.messaging import Channel


class MessagingExport(BaseModel):
    """What messaging holds about a member: every message sent (or queued, suppressed,
    cancelled) to them, newest first, recipient masked, and when they opted out of
    marketing per channel (null: never). Times UTC."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notifications": [],
                    "opt_outs": {"sms": "2026-11-30T12:00:00Z", "email": None},
                }
            ]
        }
    )

    notifications: list[NotificationOut]
    opt_outs: dict[Channel, datetime | None]
