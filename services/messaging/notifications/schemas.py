"""Response bodies of the notifications API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.messaging.notifications.domain import Status
from services.messaging.templates.domain import Template
from shared.events.messaging import Channel

_EXAMPLE: dict[str, Any] = {
    "id": "0b8e0f7e-8d55-4c38-9a0b-0d2f6a3c1e11",
    "channel": "sms",
    "template": "points_earned",
    "status": "sent",
    "recipient_masked": "138****5678",
    "subject": None,
    "created_at": "2025-05-20T08:15:02Z",
    "sent_at": "2025-05-20T08:15:03Z",
    "provider_message_id": "4f1c2d9e7a6b4e0d8c3b2a1f0e9d8c7b",
    "provider": "primary",
    "cost_fen": 10,
    "error": None,
    "reason": None,
}
_NEXT_PAGE = "MjAyNS0wNS0yMFQwODoxNTowMiswMDowMHwwYjhlMGY3ZS04ZDU1LTRjMzgtOWEwYi0wZDJmNmEzYzFlMTE="
"""``encode_cursor`` of the example's ``created_at`` and ``id``."""


class NotificationOut(BaseModel):
    """A message to a member; the recipient is masked."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE]})

    id: uuid.UUID
    channel: Channel
    template: Template
    status: Status
    recipient_masked: str | None = Field(
        description="Masked phone (+86 138****5678) or email (l****@example.com); null if none"
    )
    subject: str | None = Field(description="Email subject, one line; null for SMS")
    created_at: datetime = Field(description="When it was queued or suppressed (UTC)")
    sent_at: datetime | None = Field(description="When the provider took it (UTC); null until")
    provider_message_id: str | None = Field(
        description="The provider's id: the email's Message-ID, the SMS gateway's message id"
    )
    provider: str | None = Field(
        default=None, description="The SMS provider that took it; null for an email or until"
    )
    cost_fen: int | None = Field(
        default=None, description="What the SMS cost at its provider's price, in fen"
    )
    error: str | None = Field(description="Why it failed, or why it was suppressed")
    reason: str | None = Field(
        None,
        description=(
            "Why it was suppressed, deferred (`quiet hours`) or cancelled; kept once a "
            "deferred one is sent"
        ),
    )


class NotificationPage(BaseModel):
    """A page of a member's notifications, the newest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_EXAMPLE], "next_cursor": _NEXT_PAGE}]}
    )

    items: list[NotificationOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to read the next page; null on the last page"
    )


class ChannelStatusCount(BaseModel):
    """How many notifications of the period are on one channel in one status."""

    channel: Channel
    status: Status
    count: int
    cost_fen: int = Field(
        description="What these SMS cost at their providers' prices (before providers had "
        "prices: what the gateway reported), in fen"
    )


class ReasonCount(BaseModel):
    """How many notifications of the period on one channel were held back for one reason;
    ``status`` is where they are now (a deferred one that went out is ``sent``)."""

    channel: Channel
    status: Status
    reason: str
    count: int


class NotificationStats(BaseModel):
    """Counts per channel and status of the notifications created in a period."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"channel": "email", "status": "sent", "count": 120, "cost_fen": 0},
                        {"channel": "sms", "status": "sent", "count": 95, "cost_fen": 950},
                        {"channel": "sms", "status": "suppressed", "count": 25, "cost_fen": 0},
                    ],
                    "total": 240,
                    "sms_cost_fen": 950,
                    "reasons": [
                        {
                            "channel": "sms",
                            "status": "sent",
                            "reason": "quiet hours",
                            "count": 12,
                        },
                        {
                            "channel": "sms",
                            "status": "suppressed",
                            "reason": "marketing frequency cap reached",
                            "count": 5,
                        },
                    ],
                }
            ]
        }
    )

    items: list[ChannelStatusCount]
    total: int = Field(description="Notifications in the period, on every channel and status")
    sms_cost_fen: int = Field(description="What the period's SMS cost, in fen")
    reasons: list[ReasonCount] = Field(
        description="Per channel, status and reason: the notifications held back"
    )


class DailyCount(BaseModel):
    """Notifications created on one day of the brand in one channel, provider, template and
    status: how many, their SMS segments and what they cost."""

    day: date = Field(description="The day, in the brand's business timezone")
    channel: Channel
    provider: str | None = Field(description="The SMS provider that took them; null if none")
    template: str
    broadcast_id: uuid.UUID | None = Field(
        default=None, description="The bulk send (campaign) they are part of; null if none"
    )
    status: Status = Field(description="delivered/undelivered: what the provider's receipt said")
    count: int
    segments: int = Field(description="SMS segments the provider counted")
    cost_fen: int = Field(description="Segments × the provider's price per segment, in fen")


class DailyStats(BaseModel):
    """Daily counts of a period, by day, then channel, provider, template and status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "day": "2026-11-30",
                            "channel": "sms",
                            "provider": "fallback",
                            "template": "points_earned",
                            "broadcast_id": None,
                            "status": "delivered",
                            "count": 3,
                            "segments": 3,
                            "cost_fen": 21,
                        }
                    ],
                    "total": 3,
                    "cost_fen": 21,
                }
            ]
        }
    )

    items: list[DailyCount]
    total: int = Field(description="Notifications in the period")
    cost_fen: int = Field(description="What the period's SMS cost, in fen")


class BroadcastCount(BaseModel):
    """A bulk send's notifications on one channel in one status for one reason."""

    channel: Channel
    status: Status
    reason: str = Field(description="Why suppressed, deferred or cancelled; empty if none")
    count: int
    segments: int = Field(description="SMS segments the providers counted")
    cost_fen: int = Field(description="What these SMS cost at their providers' prices, in fen")
