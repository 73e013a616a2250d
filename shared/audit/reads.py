"""Declaring a route that answers personal data in clear, so each staff read is recorded.

``read: Annotated[AuditedRead, audited_read("member.contact")]`` records, once the
handler returned, that the staff caller read ``member.contact`` of the member the path
names (``member_id``), in the request's transaction. A handler that learns the member
later (a ticket's) sets ``read.member_id``; one that answered masked after all (a
restricted profile to marketing) sets ``read.in_clear = False``. A handler that raised
records nothing: nothing was read.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from shared.audit.requests import record_read
from shared.dependencies import RequestSession


@dataclass
class AuditedRead:
    """What a handler may say about the read it answers."""

    member_id: uuid.UUID | None = None
    in_clear: bool = True


def audited_read(what: str) -> Any:
    """The ``Depends`` of a dependency recording a staff read of ``what``
    (``member.contact``, ``ticket.texts``) answered in clear; it ends with the handler,
    inside the request's transaction (scope ``function``, like the session's)."""

    async def dependency(request: Request, session: RequestSession) -> AsyncIterator[AuditedRead]:
        read = AuditedRead()
        yield read
        if read.in_clear:
            await record_read(session, request, what, read.member_id)

    return Depends(dependency, scope="function")
