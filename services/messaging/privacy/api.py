"""HTTP route of messaging's part of a member's export: authorize, read, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.messaging.contacts import service as contacts
from services.messaging.notifications import service as notifications
from services.messaging.privacy.schemas import MessagingExport
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(tags=["privacy"])

MOST = 10_000
"""The most notifications an export lists (newest first)."""


@router.get(
    "/members/{member_id}/export",
    response_model=MessagingExport,
    summary="Messaging's part of a member's export (PIPL art. 45)",
    description=(
        "An admin or the member themself (customer's `GET /members/{id}/export` asks it "
        "with the caller's token): every notification to the member with its status "
        "(recipient masked), and their opt-outs of marketing per channel."
    ),
    responses=MEMBER_ACCESS,
)
async def export_member(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> MessagingExport:
    ensure_member_access(principal, member_id)
    return MessagingExport(
        notifications=(
            await notifications.list_notifications(session, member_id, MOST, None, None)
        ).items,
        opt_outs=await contacts.opt_outs_of(session, member_id),
    )
