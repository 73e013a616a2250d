"""What orders consumes: new members, so stores can name them by card number or phone."""

from __future__ import annotations

from services.orders import service
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.inbox import Handlers


async def on_member_registered(session: AsyncSession, event: CloudEvent) -> None:
    await service.record_member(session, event.payload(MemberRegistered))


HANDLERS: Handlers = {MemberRegistered.event_type: on_member_registered}
