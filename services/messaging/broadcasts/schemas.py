"""Request and response bodies of the broadcasts API.

An audience is one of: ``{"members": [ids]}``, ``{"cards": [card numbers]}``,
``{"tags": [tag ids]}``, ``{"segment": id}`` (an analytics saved segment's members, as
messaging's copy has them when the send starts) or ``{"all": true}`` (every active contact
with marketing consent on a channel); an uploaded list (``POST /broadcasts/{id}/audience``)
becomes a members audience.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field

from services.messaging.broadcasts.domain import MAX_UPLOAD_ROWS, State
from services.messaging.notifications.schemas import BroadcastCount
from services.messaging.templates.domain import Template
from shared.events.messaging import Channel
from shared.inputs import Code, EffectiveTime, SingleLine

MAX_LISTED = MAX_UPLOAD_ROWS
"""Members or cards an audience names in the request itself."""
MAX_TAGS = 100
MAX_RATE_PER_SECOND = 1_000

BROADCAST_ID = "5b1f0c7e-3c1a-4d2e-9f60-7a8b9c0d1e2f"
CardNumber = Annotated[str, Code(32, pattern=r"^[0-9A-Za-z-]+$", charset="letters, digits, -")]


class _Audience(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MembersAudience(_Audience):
    members: Annotated[list[uuid.UUID], Len(1, MAX_LISTED)] = Field(
        description="Member ids; each must be known to messaging"
    )


class CardsAudience(_Audience):
    cards: Annotated[list[CardNumber], Len(1, MAX_LISTED)] = Field(
        description="Card numbers; each must be known to messaging"
    )


class TagsAudience(_Audience):
    tags: Annotated[list[uuid.UUID], Len(1, MAX_TAGS)] = Field(
        description="Tag ids (客户分类): members with any of them when the send starts"
    )


class SegmentAudience(_Audience):
    segment: uuid.UUID = Field(
        description="An analytics saved segment's id (`/segments` of analytics): its members "
        "as its last run published them when the send starts"
    )


class AllAudience(_Audience):
    all: Literal[True] = Field(
        description="Every active member with marketing consent on a channel at the start"
    )


Audience = MembersAudience | CardsAudience | TagsAudience | SegmentAudience | AllAudience


class BroadcastIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "双十二会员专享",
                    "template": "broadcast",
                    "audience": {"tags": ["0c9e2b44-6d1f-4f7a-8a3e-2b5c6d7e8f90"]},
                    "channels": ["sms"],
                    "rate_per_second": 20,
                    "scheduled_at": "2026-12-12T02:00:00Z",
                }
            ]
        },
    )

    name: Annotated[str, SingleLine(100)] = Field(description="What staff call it")
    template: Template = Field(
        "broadcast",
        description="A marketing template needing only the member's name; edit its text with "
        "`PUT /templates/broadcast/{channel}/{locale}` first",
    )
    audience: Audience
    channels: Annotated[list[Channel], Len(1, 2)] = Field(
        ["sms"], description="The channels it goes on; the other one is not used"
    )
    rate_per_second: int = Field(
        10,
        ge=1,
        le=MAX_RATE_PER_SECOND,
        description="Members handed to the SMS providers per second at most (each SMS goes to "
        "one provider at a time, so none gets more)",
    )
    scheduled_at: EffectiveTime | None = Field(
        None, description="When it starts, once started (null: at once); UTC offset required"
    )


class Recipients(BaseModel):
    total: int | None = Field(description="Members in the snapshot; null until it starts")
    pending: int = Field(description="Not yet handed to the notifications")
    notified: int = Field(description="Handed over: their messages are queued or held back")
    cancelled: int = Field(description="Left out when the broadcast was cancelled")


class BroadcastOut(BaseModel):
    """A broadcast and its progress: recipients, then their notifications per channel,
    status and reason (suppressed ones with why)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": BROADCAST_ID,
                    "name": "双十二会员专享",
                    "template": "broadcast",
                    "audience": {"tags": ["0c9e2b44-6d1f-4f7a-8a3e-2b5c6d7e8f90"]},
                    "channels": ["sms"],
                    "rate_per_second": 20,
                    "state": "sending",
                    "scheduled_at": None,
                    "created_by": "staff-7",
                    "created_at": "2026-12-12T01:58:00Z",
                    "started_at": "2026-12-12T02:00:00Z",
                    "finished_at": None,
                    "recipients": {"total": 1200, "pending": 800, "notified": 400, "cancelled": 0},
                    "notifications": [
                        {
                            "channel": "sms",
                            "status": "delivered",
                            "reason": "",
                            "count": 380,
                            "segments": 380,
                            "cost_fen": 3800,
                        },
                        {
                            "channel": "sms",
                            "status": "suppressed",
                            "reason": "member has not consented to sms marketing",
                            "count": 20,
                            "segments": 0,
                            "cost_fen": 0,
                        },
                    ],
                }
            ]
        }
    )

    id: uuid.UUID
    name: str
    template: str
    audience: dict[str, object] = Field(description="As given (an uploaded list: its members)")
    channels: list[Channel]
    rate_per_second: int
    state: State
    scheduled_at: datetime | None
    created_by: str
    created_at: datetime
    started_at: datetime | None = Field(description="When its recipients were taken (UTC)")
    finished_at: datetime | None = Field(description="When it completed or was cancelled")
    recipients: Recipients
    notifications: list[BroadcastCount]


class BroadcastSummary(BaseModel):
    """A broadcast in a list: what and when, and how many it goes to once started."""

    id: uuid.UUID
    name: str
    template: str
    state: State
    scheduled_at: datetime | None
    created_at: datetime
    total: int | None = Field(description="Members in its snapshot; null until it starts")


class BroadcastPage(BaseModel):
    """Broadcasts, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": BROADCAST_ID,
                            "name": "双十二会员专享",
                            "template": "broadcast",
                            "state": "completed",
                            "scheduled_at": "2026-12-12T02:00:00Z",
                            "created_at": "2026-12-11T09:30:00Z",
                            "total": 1200,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[BroadcastSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class AudienceUploaded(BaseModel):
    """What an uploaded list named: its rows and the members they found."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rows": 3, "members": 3, "column": "phone"}]}
    )

    rows: int = Field(description="Rows naming a member (blank rows are skipped)")
    members: int = Field(description="Distinct members they found")
    column: str = Field(description="The column read: member_id, card_number or phone")


class ReportTotals(BaseModel):
    sent: int = Field(description="Taken by a provider (delivered and undelivered included)")
    delivered: int
    failed: int = Field(description="Failed, or undelivered by the receipt")
    suppressed: int
    cancelled: int
    pending: int = Field(description="Queued, deferred or being sent")
    cost_fen: int


class BroadcastReport(BaseModel):
    """The final (or, while it runs, the current) account of a broadcast, per channel."""

    id: uuid.UUID
    name: str
    state: State
    recipients: Recipients
    totals: dict[Channel, ReportTotals]
    notifications: list[BroadcastCount]
