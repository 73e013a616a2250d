"""What messaging consumes: member registrations, updates (tags included), card reissues,
consent changes and deactivations keep the contacts current (and the queued notifications
in line with them); a sign-in code asked for is sent by SMS; a registration and what
loyalty did (points earned or expiring or expired, a coupon granted or about to expire, a
tier change, a reward order placed, fulfilled or cancelled, a referral rewarded, a prize
won in a draw) and a service desk ticket escalated (the member is told a manager has it)
or resolved (its satisfaction survey) notify. Analytics' saved segments keep messaging's
copy of their members (bulk sends to a segment). Purchases, birthdays on file and birthday
coupons schedule the journeys' runs (``journeys.service``). Every event, of these types
or any other, is also offered to the webhook subscriptions naming its type
(``webhooks.service.fanning_out``).

Each handler calls the capabilities in the order written. A handler whose member has no
contact yet raises :class:`~services.messaging.contacts.errors.ContactNotKnown`; the
consumer runner then retries the batch with backoff (see ``shared.consumer``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.messaging.base import segment_copies
from services.messaging.config import Settings
from services.messaging.contacts import service as contacts
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.digests import service as digests
from services.messaging.journeys import service as journeys
from services.messaging.notifications import domain as notifying
from services.messaging.notifications import service as notifications
from services.messaging.policy import service as policies
from services.messaging.templates.domain import Template
from services.messaging.webhooks.service import fanning_out
from shared.db import AsyncSession
from shared.events import EVENT_TYPES, CloudEvent
from shared.events.coupons import CouponExpiring, CouponGranted
from shared.events.customer import (
    MemberCardReissued,
    MemberConsentChanged,
    MemberDeactivated,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
    SigninCodeRequested,
    TicketEscalated,
    TicketResolved,
)
from shared.events.draws import DrawMade
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
from shared.events.messaging import Channel
from shared.events.orders import PurchaseCompleted
from shared.events.referrals import ReferralRewarded
from shared.events.segments import SegmentChanged, SegmentDeleted
from shared.inbox import Handler, HandlerContext

Context = HandlerContext[Settings]
log = logging.getLogger(__name__)


async def on_member_registered(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Keep our own copy of the contact, then welcome the member — unless an import
    brought them in: they are the brand's existing customers, and a welcome to each of a
    spreadsheet's rows would be a bulk send nobody chose (nor, after the first purchase
    messaging sees of them, the new customer's welcome). Their birthday greeting is
    scheduled either way."""
    registered = event.payload(MemberRegistered)
    await contacts.record_registration(session, ctx.cipher, registered)
    await journeys.schedule_birthday(session, registered.member_id, datetime.now(UTC))
    if registered.source == "import":
        await journeys.no_welcome(session, registered.member_id)
        return
    await _tell(
        session,
        event,
        ctx,
        registered.member_id,
        "welcome",
        {"card_number": registered.card_number},
    )


async def on_member_updated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Apply what changed to the contact, then send what is queued to the new addresses
    (or cancel it, an address removed); a new birthday, or a new phone number (its
    timezone), reschedules the birthday greeting."""
    updated = event.payload(MemberUpdated)
    await contacts.apply_update(session, ctx.cipher, updated)
    await _follow(session, ctx, updated.member_id)
    if {"birthday", "phone"} & set(updated.changed):
        await journeys.schedule_birthday(session, updated.member_id, datetime.now(UTC))


async def on_consent_changed(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Keep the consent, then cancel what is queued on a channel without it."""
    changed = event.payload(MemberConsentChanged)
    await contacts.apply_consent(session, changed)
    await _follow(session, ctx, changed.member_id)


async def on_card_reissued(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Keep the member's new card number (a bulk send's card list finds them by it)."""
    await contacts.apply_card_reissue(session, event.payload(MemberCardReissued))


async def on_member_deactivated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Mark the contact inactive, then cancel everything queued for the member and their
    birthday greeting."""
    deactivated = event.payload(MemberDeactivated)
    await contacts.apply_deactivation(session, deactivated)
    await _follow(session, ctx, deactivated.member_id)
    await journeys.schedule_birthday(session, deactivated.member_id, datetime.now(UTC))


async def on_member_reactivated(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Mark the contact active again (nothing was queued for them while inactive), and
    schedule their birthday greeting again."""
    reactivated = event.payload(MemberReactivated)
    await contacts.apply_reactivation(session, reactivated)
    await journeys.schedule_birthday(session, reactivated.member_id, datetime.now(UTC))


async def on_signin_code_requested(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Sends the one-time code by SMS to the phone that asked for it (``signin_code``,
    transactional; its text kept encrypted until sent), unless the code expired while the
    event waited: then it is of no use, and nothing is sent."""
    requested = event.payload(SigninCodeRequested)
    now = datetime.now(UTC)
    if requested.expires_at <= now:
        log.info("sign-in code of event %s expired before it could be sent", event.id)
        return
    await notifications.send_code(
        session,
        ctx.cipher,
        member_id=requested.member_id,
        phone_encrypted=requested.phone_encrypted,
        code=ctx.cipher.decrypt(requested.code_encrypted),
        minutes=notifying.minutes_left(requested.requested_at, requested.expires_at),
        locale=requested.locale,
        trigger_event_id=event.id,
    )


async def on_purchase_completed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Schedules the member's welcome after their first purchase and moves their win-back
    to after this one."""
    purchase = event.payload(PurchaseCompleted)
    await journeys.follow_purchase(
        session, purchase.member_id, purchase.purchase_id, purchase.purchased_at
    )


async def on_coupon_granted(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """A birthday coupon waits for its greeting; any other coupon is told at once."""
    await journeys.follow_coupon(session, ctx.cipher, event.payload(CouponGranted))


async def _follow(session: AsyncSession, ctx: Context, member_id: uuid.UUID) -> None:
    """Queued notifications follow the contact; a member without one (their registration
    was parked) has none queued."""
    try:
        await notifications.follow_contact(session, ctx.cipher, member_id)
    except ContactNotKnown:
        return


async def on_points_earned(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the member of a sale's points as the brand's policy says (``points_message``):
    on every channel, by email only, only above a number of points, not at all, or in the
    day's digest (each channel's message is then suppressed, recorded with its reason, and
    the sale's points are added to the member's brand day once: only when this event's
    rows are new)."""
    earned = event.payload(PointsEarned)
    if not notifying.notifies_points(earned.points):
        return
    message = (await policies.current(session)).points_message
    withheld = {c: r for c in notifying.CHANNELS if (r := message.withheld(c, earned.points))}
    recorded = await _tell(
        session,
        event,
        ctx,
        earned.member_id,
        "points_earned",
        {"points": earned.points, "balance": earned.balance},
        withheld,
    )
    if recorded and message.mode == "daily_digest":
        await digests.add_points(
            session,
            earned.member_id,
            points=earned.points,
            balance=earned.balance,
            earned_at=event.time,
            zone=ZoneInfo(ctx.settings.business_timezone),
        )


async def on_points_expiring(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the account's owner how many points expire after which days (loyalty
    announces each lot once)."""
    expiring = event.payload(PointsExpiring)
    await _tell(
        session,
        event,
        ctx,
        expiring.member_id,
        "points_expiring",
        {
            "points": expiring.points,
            "days": notifying.expiring_by_day(expiring.lots),
        },
    )


async def on_points_expired(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the account's owner that points expired and what their balance is now."""
    expired = event.payload(PointsExpired)
    await _tell(
        session,
        event,
        ctx,
        expired.member_id,
        "points_expired",
        {"points": expired.points, "balance": expired.balance},
    )


async def on_coupon_expiring(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the member a coupon granted to them ends soon: its name, the most it takes off
    (fen, shown in yuan) and its last valid day in the brand's timezone (loyalty announces
    each coupon once, its definition's notice days ahead)."""
    expiring = event.payload(CouponExpiring)
    zone = ZoneInfo(ctx.settings.business_timezone)
    await _tell(
        session,
        event,
        ctx,
        expiring.member_id,
        "coupon_expiring",
        {
            "coupon": expiring.definition_name,
            "face_value_fen": expiring.face_value_fen,
            "valid_through": notifying.last_day(expiring.valid_until, zone),
        },
    )


async def on_referral_rewarded(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Thanks the referrer with the reward coupon's face value (fen, shown in yuan). The
    friend is not named: their name is theirs to share (seed 004, 老带新)."""
    rewarded = event.payload(ReferralRewarded)
    await _tell(
        session,
        event,
        ctx,
        rewarded.member_id,
        "referral_rewarded",
        {"reward_fen": rewarded.reward_fen},
    )


async def on_draw_made(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Congratulates a member whose draw won a prize: its name, its kind and, for a points
    prize, the points credited; a draw without a prize tells nobody."""
    drawn = event.payload(DrawMade)
    if drawn.prize_kind is None:
        return
    await _tell(
        session,
        event,
        ctx,
        drawn.member_id,
        "draw_won",
        {"prize": drawn.prize_name or "", "kind": drawn.prize_kind, "points": drawn.points or 0},
    )


async def on_ticket_escalated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the member their ticket passed its promised time and went to a manager (an
    anonymous caller's ticket has nobody to tell)."""
    escalated = event.payload(TicketEscalated)
    if escalated.member_id is None:
        return
    await _tell(
        session, event, ctx, escalated.member_id, "ticket_escalated", {"number": escalated.number}
    )


async def on_tier_changed(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the member of the change in the words of its kind: an upgrade, a downgrade
    (with the last day of the period the new tier is kept for, when it is reviewed), or
    staff's assignment (with its last day) or its end."""
    changed = event.payload(TierChanged)
    zone = ZoneInfo(ctx.settings.business_timezone)  # ZoneInfo caches its instances
    until, review_at = changed.until, changed.review_at
    await _tell(
        session,
        event,
        ctx,
        changed.member_id,
        notifying.tier_template(changed.change, changed.direction),
        {
            "tier_name": changed.to_tier_name,
            "until": notifying.last_day(until, zone) if until is not None else None,
            "review_on": notifying.last_day(review_at, zone) if review_at is not None else None,
        },
    )


async def on_ticket_resolved(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Asks the member to rate the service desk's handling of their ticket (an anonymous
    caller's ticket has nobody to ask)."""
    resolved = event.payload(TicketResolved)
    if resolved.member_id is None:
        return
    url = ctx.settings.ticket_survey_url.replace("{ticket_id}", str(resolved.ticket_id))
    await _tell(
        session,
        event,
        ctx,
        resolved.member_id,
        "ticket_survey",
        {"number": resolved.number, "survey_url": url},
    )


def _reward(order: RewardOrderEvent) -> dict[str, object]:
    """The order as its messages name it: by the item's name (its code on events from
    before loyalty sent the name)."""
    item = order.item_name or order.item_code
    return {"item": item, "quantity": order.quantity, "points": order.points}


def _on_reward(
    model: type[RewardOrdered | RewardFulfilled | RewardCancelled], template: Template
) -> Handler[Context]:
    """The handler telling the member of a reward order's step (with the balance after it,
    when points moved)."""

    async def on_reward(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
        order = event.payload(model)
        balance = {} if isinstance(order, RewardFulfilled) else {"balance": order.balance}
        await _tell(session, event, ctx, order.member_id, template, _reward(order) | balance)

    return on_reward


async def _tell(
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


async def on_segment_changed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Keeps messaging's copy of the segment's members (for bulk sends to a segment)."""
    await segment_copies.apply(session, event.payload(SegmentChanged))


async def on_segment_deleted(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await segment_copies.drop(session, event.payload(SegmentDeleted))


_NOTIFYING: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    MemberUpdated.event_type: on_member_updated,
    MemberCardReissued.event_type: on_card_reissued,
    MemberConsentChanged.event_type: on_consent_changed,
    MemberDeactivated.event_type: on_member_deactivated,
    MemberReactivated.event_type: on_member_reactivated,
    PointsEarned.event_type: on_points_earned,
    PointsExpiring.event_type: on_points_expiring,
    PointsExpired.event_type: on_points_expired,
    CouponExpiring.event_type: on_coupon_expiring,
    TierChanged.event_type: on_tier_changed,
    RewardOrdered.event_type: _on_reward(RewardOrdered, "reward_ordered"),
    RewardFulfilled.event_type: _on_reward(RewardFulfilled, "reward_fulfilled"),
    RewardCancelled.event_type: _on_reward(RewardCancelled, "reward_cancelled"),
    ReferralRewarded.event_type: on_referral_rewarded,
    DrawMade.event_type: on_draw_made,
    TicketEscalated.event_type: on_ticket_escalated,
    TicketResolved.event_type: on_ticket_resolved,
    PurchaseCompleted.event_type: on_purchase_completed,
    SigninCodeRequested.event_type: on_signin_code_requested,
    CouponGranted.event_type: on_coupon_granted,
    SegmentChanged.event_type: on_segment_changed,
    SegmentDeleted.event_type: on_segment_deleted,
}

# every event type a webhook subscription can name, each also queuing its deliveries
HANDLERS: dict[str, Handler[Context]] = fanning_out(_NOTIFYING, EVENT_TYPES)
