"""Request and response bodies of the templates API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.messaging.templates.domain import Template
from shared.events.customer import Locale
from shared.events.messaging import Channel
from shared.inputs import MultiLine
from shared.inputs.integers import INT32_MAX

MAX_TEXT_LENGTH = 4_000
"""Characters of a template's text: an email body of a few paragraphs."""

Source = Literal["default", "staff"]

_POINTS_EARNED_SMS = (
    "{{ name }}，本次消费获得 {{ points|points }} 积分，当前余额 {{ balance|points }}。"
    "积分可兑换礼品，欢迎再次光临！"
)


class VariableOut(BaseModel):
    """A variable a template is given, and the value its preview uses."""

    name: str
    about: str
    sample: Any = Field(description="The value a preview renders with (dates as YYYY-MM-DD)")


class VersionOut(BaseModel):
    """One saved version. ``text`` null: this version returned to the code's default."""

    model_config = ConfigDict(from_attributes=True)

    version: int = Field(description="1, 2, ... (0 is the code's default, never stored)")
    text: str | None
    reverted_to: int | None = Field(
        description="The version whose text this one restored (0: the default); null: an edit"
    )
    updated_by: str = Field(description="The staff login that saved it")
    created_at: datetime = Field(description="When it was saved (UTC)")


class StatusOut(BaseModel):
    """Which version of a template is published in one channel and language."""

    channel: Channel
    locale: Locale
    version: int = Field(description="The published version; 0: the code's default")
    source: Source = Field(description="`default` (the code's text) or `staff` (a saved one)")
    updated_by: str | None = Field(description="Who published it; null for the default")
    updated_at: datetime | None = Field(description="When (UTC); null for the default")


class TemplateKeyOut(BaseModel):
    key: Template
    summary: str = Field(description="When the message is sent")
    variables: list[VariableOut]
    published: list[StatusOut] = Field(description="Per channel and language")


class TemplateKeysOut(BaseModel):
    """Every template the code sends (a fixed catalog of the release: not paged)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "key": "points_earned",
                            "summary": "A purchase earned points",
                            "variables": [
                                {"name": "name", "about": "The member's name", "sample": "李雷"},
                                {"name": "points", "about": "Points earned", "sample": 1280},
                            ],
                            "published": [
                                {
                                    "channel": "sms",
                                    "locale": "zh-CN",
                                    "version": 2,
                                    "source": "staff",
                                    "updated_by": "marketing@brand.example",
                                    "updated_at": "2026-11-30T13:05:00Z",
                                }
                            ],
                        }
                    ]
                }
            ]
        }
    )

    items: list[TemplateKeyOut]


class TemplateOut(BaseModel):
    """A template in one channel and language: the published text, the default and the
    versions saved (a page of them, newest first)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "points_earned",
                    "channel": "sms",
                    "locale": "zh-CN",
                    "version": 1,
                    "source": "staff",
                    "text": _POINTS_EARNED_SMS,
                    "default_text": "{{ name }}，本次消费获得 {{ points|points }} 积分…",
                    "variables": [{"name": "points", "about": "Points earned", "sample": 1280}],
                    "versions": [
                        {
                            "version": 1,
                            "text": _POINTS_EARNED_SMS,
                            "reverted_to": None,
                            "updated_by": "marketing@brand.example",
                            "created_at": "2026-11-30T13:05:00Z",
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    key: Template
    channel: Channel
    locale: Locale
    version: int = Field(description="The published version; 0: the code's default")
    source: Source
    text: str = Field(description="The published text (Jinja2)")
    default_text: str = Field(description="The code's text, version 0")
    variables: list[VariableOut]
    versions: list[VersionOut] = Field(description="Saved versions, newest first (a page)")
    next_cursor: str | None = Field(description="Pass as `cursor` for older versions")


TemplateText = Annotated[str, MultiLine(MAX_TEXT_LENGTH)]
VariableName = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z_][a-z0-9_]*$")]


class TemplateIn(BaseModel):
    """A new version's text: Jinja2 with the template's variables and the filters
    `points`, `day` and plain text ones. An SMS is one line (the opt-out instruction of a
    marketing SMS is added when sent); an email starts with `Subject: ...`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": _POINTS_EARNED_SMS}]}
    )

    text: TemplateText


class RevertIn(BaseModel):
    """Publish an earlier version's text again as a new version; 0: the code's default."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 0}]})

    version: int = Field(ge=0, le=INT32_MAX, description="0 (the default) or a saved version")


class PreviewIn(BaseModel):
    """What to render: `text` (a draft, not saved; the published text if left out) with
    `variables` (any of the template's, the rest from its samples)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": _POINTS_EARNED_SMS, "variables": {"points": 50, "balance": 80}}]
        },
    )

    text: TemplateText | None = None
    variables: dict[VariableName, Any] = Field(default_factory=dict, max_length=50)


class PreviewOut(BaseModel):
    """The message exactly as a member receives it, and what an SMS costs."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": None,
                    "text": "【Huiyuan】李雷，本次消费获得 50 积分，当前余额 80。积分可兑换礼品，"
                    "欢迎再次光临！",
                    "encoding": "UCS-2",
                    "units": 46,
                    "segments": 1,
                    "cost_fen": 10,
                    "marketing": False,
                }
            ]
        }
    )

    subject: str | None = Field(description="An email's subject; null for an SMS")
    text: str = Field(
        description="An SMS with the brand's 【signature】 and, if marketing, the opt-out "
        "instruction; an email's body"
    )
    encoding: Literal["GSM-7", "UCS-2"] | None = Field(description="An SMS's; null for email")
    units: int | None = Field(description="An SMS's length in septets or UTF-16 code units")
    segments: int | None = Field(description="The parts an SMS is carried and charged in")
    cost_fen: int = Field(description="segments × the SMS price per segment, in fen; 0 for email")
    marketing: bool = Field(description="Whether the template is a marketing message")
