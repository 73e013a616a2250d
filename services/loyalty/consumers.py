"""What loyalty consumes: registrations open accounts, purchases earn, returns reverse."""

from __future__ import annotations

from services.loyalty import service
from services.loyalty.config import Settings
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.events.orders import PurchaseCompleted, PurchaseReturned
from shared.inbox import Handler, HandlerContext

Context = HandlerContext[Settings]


async def on_member_registered(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.open_account(session, event.payload(MemberRegistered))


async def on_purchase_completed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.earn_for_purchase(session, event.payload(PurchaseCompleted), event.id)


async def on_purchase_returned(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.reverse_for_return(session, event.payload(PurchaseReturned), event.id)


HANDLERS: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    PurchaseCompleted.event_type: on_purchase_completed,
    PurchaseReturned.event_type: on_purchase_returned,
}
