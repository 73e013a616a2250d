"""Query values of member search: ``q`` and ``name`` 1-100 characters on one line (a name
is at most 100), ``initial`` one Latin letter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

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
