"""Loyalty's events told to members: points earned, expiring or expired, a coupon about to
expire, a tier change, a reward order placed, fulfilled or cancelled, a referral rewarded, a
prize won in a draw."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from services.messaging.consumers.notify import Context, tell
from services.messaging.digests import service as digests
from services.messaging.notifications import domain as notifying
from services.messaging.notifications import service as notifications
from services.messaging.notifications.domain import Notice
from services.messaging.policy import service as policies
from services.messaging.templates.domain import Template
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.coupons import CouponExpiring
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
from shared.events.referrals import ReferralRewarded
from shared.inbox import Handler, InRuns


async def _points_earned(session: AsyncSession, events: Sequence[CloudEvent], ctx: Context) -> None:
    """Tells each member of a sale's points as the brand's policy says (``points_message``):
    on every channel, by email only, only above a number of points, not at all, or in the
    day's digest (each channel's message is then suppressed, recorded with its reason, and
    the sale's points are added to the member's brand day once: only when this event's
    rows are new). A run of these events is told at once (``notifications.service.
    notify_members``: the contacts read in two statements, the notifications written in
    one)."""
    earned = [(event, event.payload(PointsEarned)) for event in events]
    told = [(event, p) for event, p in earned if notifying.notifies_points(p.points)]
    if not told:
        return
    message = (await policies.current(session)).points_message
    recorded = await notifications.notify_members(
        session,
        ctx.cipher,
        "points_earned",
        [
            Notice(
                p.member_id,
                event.id,
                {"points": p.points, "balance": p.balance},
                {c: r for c in notifying.CHANNELS if (r := message.withheld(c, p.points))},
            )
            for event, p in told
        ],
    )
    if message.mode != "daily_digest":
        return
    zone = ZoneInfo(ctx.settings.business_timezone)
    for (event, p), new in zip(told, recorded, strict=True):
        if new:
            await digests.add_points(
                session,
                p.member_id,
                points=p.points,
                balance=p.balance,
                earned_at=event.time,
                zone=zone,
            )


on_points_earned: InRuns[Context] = InRuns(_points_earned)


async def on_points_expiring(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the account's owner how many points expire after which days (loyalty
    announces each lot once)."""
    expiring = event.payload(PointsExpiring)
    await tell(
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
    await tell(
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
    await tell(
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
    await tell(
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
    await tell(
        session,
        event,
        ctx,
        drawn.member_id,
        "draw_won",
        {"prize": drawn.prize_name or "", "kind": drawn.prize_kind, "points": drawn.points or 0},
    )


async def on_tier_changed(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the member of the change in the words of its kind: an upgrade, a downgrade
    (with the last day of the period the new tier is kept for, when it is reviewed), or
    staff's assignment (with its last day) or its end."""
    changed = event.payload(TierChanged)
    zone = ZoneInfo(ctx.settings.business_timezone)  # ZoneInfo caches its instances
    until, review_at = changed.until, changed.review_at
    await tell(
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


def _reward(order: RewardOrderEvent) -> dict[str, object]:
    """The order as its messages name it: by the item's name (its code on events from
    before loyalty sent the name)."""
    item = order.item_name or order.item_code
    return {"item": item, "quantity": order.quantity, "points": order.points}


def on_reward(
    model: type[RewardOrdered | RewardFulfilled | RewardCancelled], template: Template
) -> Handler[Context]:
    """The handler telling the member of a reward order's step (with the balance after it,
    when points moved)."""

    async def on_reward(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
        order = event.payload(model)
        balance = {} if isinstance(order, RewardFulfilled) else {"balance": order.balance}
        await tell(session, event, ctx, order.member_id, template, _reward(order) | balance)

    return on_reward
