"""What analytics consumes: every topic, each event folded into the read models.

Notification counters need the business timezone to name the day, so
:func:`create_handlers` builds the map from settings instead of reading globals.
"""

from __future__ import annotations

from services.analytics import service
from services.analytics.config import Settings
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.events.loyalty import TierChanged
from shared.events.messaging import NotificationFailed, NotificationSent, NotificationSuppressed
from shared.events.orders import PurchaseCompleted, PurchaseReturned
from shared.inbox import Handler

SUBSCRIPTIONS = ("customer.events", "orders.events", "loyalty.events", "messaging.events")


async def on_member_registered(session: AsyncSession, event: CloudEvent) -> None:
    await service.record_registration(session, event.payload(MemberRegistered))


async def on_purchase_completed(session: AsyncSession, event: CloudEvent) -> None:
    await service.record_purchase(session, event.payload(PurchaseCompleted))


async def on_purchase_returned(session: AsyncSession, event: CloudEvent) -> None:
    await service.record_return(session, event.payload(PurchaseReturned))


async def on_tier_changed(session: AsyncSession, event: CloudEvent) -> None:
    await service.record_tier(session, event.payload(TierChanged))


def create_handlers(settings: Settings) -> dict[str, Handler]:
    def counting(
        model: type[NotificationSent | NotificationFailed | NotificationSuppressed], status: str
    ) -> Handler:
        async def on_notification(session: AsyncSession, event: CloudEvent) -> None:
            outcome = event.payload(model)
            await service.record_notification(
                session,
                at=event.time,
                channel=outcome.channel,
                status=status,
                timezone=settings.business_timezone,
            )

        return on_notification

    return {
        MemberRegistered.event_type: on_member_registered,
        PurchaseCompleted.event_type: on_purchase_completed,
        PurchaseReturned.event_type: on_purchase_returned,
        TierChanged.event_type: on_tier_changed,
        NotificationSent.event_type: counting(NotificationSent, "sent"),
        NotificationFailed.event_type: counting(NotificationFailed, "failed"),
        NotificationSuppressed.event_type: counting(NotificationSuppressed, "suppressed"),
    }
