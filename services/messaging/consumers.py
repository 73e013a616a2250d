"""What messaging consumes: member registrations and updates keep the contacts current;
a registration and what loyalty did (points earned or expiring or expired, a tier change,
a reward order placed, fulfilled or cancelled) notify.

Each handler calls the capabilities in the order written. A handler whose member has no
contact yet raises :class:`~services.messaging.contacts.errors.ContactNotKnown`; the
consumer runner then retries the batch with backoff (see ``shared.consumer``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.messaging.config import Settings
from services.messaging.contacts import service as contacts
from services.messaging.notifications import domain as notifying
from services.messaging.notifications import service as notifications
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered, MemberUpdated
from shared.events.loyalty import (
    PointsEarned,
    PointsExpired,
    PointsExpiring,
    RewardCancelled,
    RewardFulfilled,
    RewardOrdered,
    RewardOrderEvent,
    TierChanged,
)
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


async def on_points_expiring(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the account's owner how many points expire after which days (loyalty
    announces each lot once)."""
    expiring = event.payload(PointsExpiring)
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=expiring.member_id,
        template="points_expiring",
        trigger_event_id=event.id,
        context={
            "points": expiring.points,
            "days": notifying.expiring_by_day(expiring.lots),
        },
    )


async def on_points_expired(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the account's owner that points expired and what their balance is now."""
    expired = event.payload(PointsExpired)
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=expired.member_id,
        template="points_expired",
        trigger_event_id=event.id,
        context={"points": expired.points, "balance": expired.balance},
    )


async def on_tier_changed(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the member of the change in the words of its kind: an upgrade, a downgrade
    (with the last day of the period the new tier is kept for, when it is reviewed), or
    staff's assignment (with its last day) or its end."""
    changed = event.payload(TierChanged)
    zone = ZoneInfo(ctx.settings.business_timezone)  # ZoneInfo caches its instances
    until, review_at = changed.until, changed.review_at
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=changed.member_id,
        template=notifying.tier_template(changed.change, changed.direction),
        trigger_event_id=event.id,
        context={
            "tier_name": changed.to_tier_name,
            "until": notifying.last_day(until, zone) if until is not None else None,
            "review_on": notifying.last_day(review_at, zone) if review_at is not None else None,
        },
    )


def _reward(order: RewardOrderEvent) -> dict[str, object]:
    """The order as its messages name it: by the item's name (its code on events from
    before loyalty sent the name)."""
    item = order.item_name or order.item_code
    return {"item": item, "quantity": order.quantity, "points": order.points}


async def on_reward_ordered(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    ordered = event.payload(RewardOrdered)
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=ordered.member_id,
        template="reward_ordered",
        trigger_event_id=event.id,
        context={**_reward(ordered), "balance": ordered.balance},
    )


async def on_reward_fulfilled(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    fulfilled = event.payload(RewardFulfilled)
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=fulfilled.member_id,
        template="reward_fulfilled",
        trigger_event_id=event.id,
        context=_reward(fulfilled),
    )


async def on_reward_cancelled(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    cancelled = event.payload(RewardCancelled)
    await notifications.notify_member(
        session,
        ctx.cipher,
        member_id=cancelled.member_id,
        template="reward_cancelled",
        trigger_event_id=event.id,
        context={**_reward(cancelled), "balance": cancelled.balance},
    )


HANDLERS: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    MemberUpdated.event_type: on_member_updated,
    PointsEarned.event_type: on_points_earned,
    PointsExpiring.event_type: on_points_expiring,
    PointsExpired.event_type: on_points_expired,
    TierChanged.event_type: on_tier_changed,
    RewardOrdered.event_type: on_reward_ordered,
    RewardFulfilled.event_type: on_reward_fulfilled,
    RewardCancelled.event_type: on_reward_cancelled,
}
