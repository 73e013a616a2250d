"""The helpers every handler of messaging's consumers shares: the handler context, telling a
member (``notify_member``) and following a contact's change in its queued notifications."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from services.messaging.config import Settings
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.notifications import service as notifications
from services.messaging.templates.domain import Template
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.messaging import Channel
from shared.inbox import HandlerContext

Context = HandlerContext[Settings]
log = logging.getLogger(__name__)


async def follow(session: AsyncSession, ctx: Context, member_id: uuid.UUID) -> None:
    """Queued notifications follow the contact; a member without one (their registration
    was parked) has none queued."""
    try:
        await notifications.follow_contact(session, ctx.cipher, member_id)
    except ContactNotKnown:
        return


async def tell(
    session: AsyncSession,
    event: CloudEvent,
    ctx: Context,
    member_id: uuid.UUID,
    template: Template,
    context: Mapping[str, object],
    withheld: Mapping[Channel, str] | None = None,
) -> set[uuid.UUID]:
    """Notifies the member by ``template`` once per event (its id is the trigger), on no
    channel named in ``withheld`` (see ``notifications.service.notify_member``); the ids
    of the notifications new for this event."""
    return await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=member_id,
        template=template,
        trigger_event_id=event.id,
        context=context,
        withheld=withheld,
    )
