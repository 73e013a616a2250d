"""Query values of member search: ``q`` and ``name`` 1-100 characters on one line (a name
is at most 100), ``initial`` one Latin letter."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.customer.members.schemas import MAX_NAME_LENGTH, MemberListItem
from shared.inputs import Code, SingleLine

SearchText = Annotated[str, SingleLine(MAX_NAME_LENGTH)]
Initial = Annotated[str, Code(1, pattern=r"^[A-Za-z]$", charset="one Latin letter A-Z")]


class StaffMemberItem(MemberListItem):
    """A member in a staff user's recent or pinned list: contact data masked; ``since`` is
    when they viewed it last, or pinned it (UTC)."""

    since: datetime


class StaffMemberPage(BaseModel):
    items: list[StaffMemberItem]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")


class Unpinned(BaseModel):
    """The answer to an unpin: the member is not pinned for the caller (any more)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"member_id": "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b", "pinned": False}]
        }
    )

    member_id: uuid.UUID
    pinned: Literal[False] = False
