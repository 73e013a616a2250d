"""What messaging consumes: member registrations and updates keep the contacts current,
and three events notify.

Each handler calls the capabilities in the order written. A handler whose member has no
contact yet raises :class:`~services.messaging.contacts.errors.ContactNotKnown`; the
consumer runner then retries the batch with backoff (see ``shared.consumer``).
"""

from __future__ import annotations

from services.messaging.config import Settings
from services.messaging.contacts import service as contacts
from services.messaging.notifications import domain as notifying
from services.messaging.notifications import service as notifications
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered, MemberUpdated
from shared.events.loyalty import PointsEarned, TierChanged
from shared.inbox import Handler, HandlerContext

Context = HandlerContext[Settings]


async def on_member_registered(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Keep our own copy of the contact, then welcome the member."""
    registered = event.payload(MemberRegistered)
    await contacts.record_registration(session, ctx.cipher, registered)
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=registered.member_id,
        template="welcome",
        trigger_event_id=event.id,
        context={"card_number": registered.card_number},
    )


async def on_member_updated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Apply what changed to the contact (customer republishes every phone as E.164)."""
    await contacts.apply_update(session, ctx.cipher, event.payload(MemberUpdated))


async def on_points_earned(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    earned = event.payload(PointsEarned)
    if not notifying.notifies_points(earned.points):
        return
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=earned.member_id,
        template="points_earned",
        trigger_event_id=event.id,
        context={"points": earned.points, "balance": earned.balance},
    )


async def on_tier_changed(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Announces an upgrade; a downgrade (``direction == "down"``) sends nothing in this
    version."""
    changed = event.payload(TierChanged)
    if not notifying.notifies_tier_change(changed.direction):
        return
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=changed.member_id,
        template="tier_upgrade",
        trigger_event_id=event.id,
        context={"tier_name": changed.to_tier_name},
    )


HANDLERS: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    MemberUpdated.event_type: on_member_updated,
    PointsEarned.event_type: on_points_earned,
    TierChanged.event_type: on_tier_changed,
}
