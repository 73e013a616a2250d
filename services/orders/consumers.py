"""What orders consumes: new members, so stores can name them by card number or phone."""

from __future__ import annotations

from services.orders import service
from services.orders.config import Settings
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.inbox import Handler, HandlerContext

Context = HandlerContext[Settings]


async def on_member_registered(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_member(session, event.payload(MemberRegistered))


HANDLERS: dict[str, Handler[Context]] = {MemberRegistered.event_type: on_member_registered}
