"""Request and response bodies of the service desk.

Input bounds: ``description`` 1-4,000 characters (line breaks allowed); ``reason``,
``resolution``, ``note`` and a survey's ``comment`` 1-2,000; ``assignee`` a staff login
(a token's subject) of 1-255 letters, digits and ``. _ @ + -``; ``score`` 1-5. Times are
UTC. Lists never show free text: it is read ticket by ticket.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, Field

from services.customer.desk.domain import Channel, State
from services.customer.desk.sla.domain import Kind, Priority
from shared.inputs import Code, MultiLine
from shared.tokens import MAX_SUBJECT_LENGTH

MAX_DESCRIPTION = 4000
MAX_NOTE = 2000

Note = Annotated[str, MultiLine(MAX_NOTE)]
StaffLogin = Annotated[
    str,
    Code(
        MAX_SUBJECT_LENGTH,
        pattern=r"^[A-Za-z0-9._@+-]+$",
        charset="letters, digits and . _ @ + -",
    ),
]

_TICKET_ID = "3f9c2a71-5b1e-4f0a-9d2c-6e8b7a4c1d05"
_MEMBER_ID = "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketCreate(_Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "complaint",
                    "channel": "hotline",
                    "priority": "high",
                    "member_id": _MEMBER_ID,
                    "description": "买的鱼油两瓶都已过期，门店拒绝退换。",
                }
            ]
        },
    )

    kind: Kind = Field(description="complaint 投诉, feedback 满意/意见, suggestion 建议")
    channel: Channel
    priority: Priority = "normal"
    member_id: uuid.UUID | None = Field(
        None, description="The member calling; absent for an anonymous caller"
    )
    store_id: uuid.UUID | None = Field(None, description="The store the ticket concerns")
    description: Annotated[str, MultiLine(MAX_DESCRIPTION)]


class Judgement(_Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"valid": True}, {"valid": False, "reason": "打错电话，非本品牌客户"}]
        },
    )
    valid: bool = Field(description="Whether the desk takes it up; false closes it")
    reason: Note | None = Field(None, description="Why it is invalid (required then)")


class Assignment(_Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"assignee": "wang.fang"}]}
    )
    assignee: StaffLogin = Field(description="The staff login (token subject) to handle it")


class Resolution(_Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"resolution": "为会员更换两瓶新品并致歉"}]}
    )
    resolution: Note


class FollowUp(_Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "回访：会员对处理结果满意"}]}
    )
    note: Note = Field(description="What the member said on the follow-up call (跟踪服务)")


class SurveyAnswer(_Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"score": 5, "comment": "处理及时，态度很好"}]},
    )
    score: Annotated[int, Interval(ge=1, le=5)] = Field(
        description="1 very dissatisfied … 5 very satisfied", strict=True
    )
    comment: Note | None = None


class TicketListItem(BaseModel):
    """A ticket in a list: no free text."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _TICKET_ID,
                    "number": 42,
                    "kind": "complaint",
                    "channel": "hotline",
                    "priority": "high",
                    "state": "assigned",
                    "member_id": _MEMBER_ID,
                    "store_id": None,
                    "assignee": "wang.fang",
                    "due_at": "2026-12-01T07:00:00Z",
                    "overdue": False,
                    "escalated_at": None,
                    "created_at": "2026-11-27T09:00:00Z",
                }
            ]
        }
    )

    id: uuid.UUID
    number: int
    kind: Kind
    channel: Channel
    priority: Priority
    state: State
    member_id: uuid.UUID | None
    store_id: uuid.UUID | None
    assignee: str | None
    due_at: datetime = Field(description="When the SLA ends: resolve by then (UTC)")
    overdue: bool = Field(description="Open (not yet resolved) past due_at")
    escalated_at: datetime | None
    created_at: datetime


class TicketOut(TicketListItem):
    """A ticket with its texts, decrypted."""

    description: str
    invalid_reason: str | None
    resolution: str | None
    follow_up_note: str | None
    follow_up_due_at: datetime | None
    escalated_to: str | None
    resolved_at: datetime | None
    survey_score: int | None
    survey_comment: str | None
    updated_at: datetime


class TicketPage(BaseModel):
    items: list[TicketListItem]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")


class TicketChangeOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "action": "assign",
                    "from_state": "judged",
                    "to_state": "assigned",
                    "actor": "zhang.min",
                    "detail": "wang.fang",
                    "at": "2026-11-27T09:12:00Z",
                }
            ]
        }
    )

    action: str = Field(
        description="record, judge, assign, resolve, follow_up, close, escalate, survey"
    )
    from_state: State | None
    to_state: State
    actor: str = Field(description="Token subject of who did it; `system` for escalations")
    detail: str | None = Field(description="The assignee, or the role escalated to")
    at: datetime


class TicketHistory(BaseModel):
    items: list[TicketChangeOut]
    next_cursor: str | None = None


MAX_REMINDER_DAYS = 31


class BirthdayReminder(BaseModel):
    member_id: uuid.UUID
    card_number: str
    name: str
    birthday: date = Field(description="The coming birthday, in the brand's timezone")


class Reminders(BaseModel):
    """What a staff user should do soon: follow-up calls of the tickets they resolved,
    due by the end of the window, soonest first; birthdays within the window of the members
    whose tickets they hold (not closed), soonest first. At most 100 of each."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "follow_ups": [],
                    "birthdays": [
                        {
                            "member_id": _MEMBER_ID,
                            "card_number": "8860000000017",
                            "name": "李雷",
                            "birthday": "2026-12-03",
                        }
                    ],
                }
            ]
        }
    )

    follow_ups: list[TicketListItem]
    birthdays: list[BirthdayReminder]
