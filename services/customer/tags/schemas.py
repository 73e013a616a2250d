"""Request and response bodies of tags, and of bulk assignments (tags and categories).

Tag names are 1-40 characters on one line, unique compared case-insensitively (after NFKC);
colours ``#rrggbb`` (stored lower-case).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from services.customer.tags.domain import MAX_BULK
from services.customer.tags.models import MAX_NAME_LENGTH
from shared.inputs import Code, SingleLine

TagName = Annotated[str, SingleLine(MAX_NAME_LENGTH)]
Color = Annotated[
    str,
    Code(7, pattern=r"^#[0-9A-Fa-f]{6}$", charset="# and six hex digits (#e4572e)"),
    AfterValidator(str.lower),
]

TAG_ID = "3f0c9a1e-6b2d-4e8f-9a7c-1d2e3f4a5b6c"
MEMBER_ID = "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b"


class TagCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "VIP", "color": "#e4572e"}]}
    )

    name: TagName
    color: Color | None = Field(None, description="`#rrggbb`, for staff screens")


class TagPatch(BaseModel):
    """A merge patch: a field left out stays; ``color: null`` removes the colour."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "重要客户", "color": None}]}
    )

    name: TagName | None = None
    color: Color | None = None


_TAG: dict[str, JsonValue] = {
    "id": TAG_ID,
    "name": "VIP",
    "color": "#e4572e",
    "created_at": "2026-11-30T04:00:00Z",
    "updated_at": "2026-11-30T04:00:00Z",
}


class TagOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_TAG]})

    id: uuid.UUID
    name: str
    color: str | None
    created_at: datetime
    updated_at: datetime


class TagPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_TAG], "next_cursor": None}]}
    )

    items: list[TagOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class TagRef(BaseModel):
    """A tag as a member's profile shows it."""

    id: uuid.UUID
    name: str
    color: str | None


class TagDeleted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": TAG_ID, "untagged": 1200}]})

    id: uuid.UUID
    untagged: int = Field(description="Members the tag was taken off (each got an event)")


class MemberIds(BaseModel):
    """Members named in a bulk assignment: 1 to 1,000 ids; a repeated id counts once."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"member_ids": [MEMBER_ID]}]}
    )

    member_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)


class Assignment(BaseModel):
    """What a bulk assignment did: ``changed`` members (each got a
    ``customer.member.updated``), ``unchanged`` ones (already so: no event)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": TAG_ID, "changed": 1, "unchanged": 0}]}
    )

    id: uuid.UUID = Field(description="The tag or category")
    changed: int
    unchanged: int
