"""Query values of member search: ``q`` and ``name`` 1-100 characters on one line (a name
is at most 100), ``initial`` one Latin letter."""

from __future__ import annotations

from typing import Annotated

from services.customer.members.schemas import MAX_NAME_LENGTH
from shared.inputs import Code, SingleLine

SearchText = Annotated[str, SingleLine(MAX_NAME_LENGTH)]
Initial = Annotated[str, Code(1, pattern=r"^[A-Za-z]$", charset="one Latin letter A-Z")]
