"""What messaging consumes: member registrations, updates (tags included), card reissues,
consent changes and deactivations keep the contacts current (an erasure blanks the
contact and what was sent to them) (and the queued notifications
in line with them); a sign-in code asked for is sent by SMS; a registration and what
loyalty did (points earned or expiring or expired, a coupon granted or about to expire, a
tier change, a reward order placed, fulfilled or cancelled, a referral rewarded, a prize
won in a draw) and a service desk ticket escalated (the member is told a manager has it)
or resolved (its satisfaction survey) notify. Analytics' saved segments keep messaging's
copy of their members (bulk sends to a segment). Purchases, birthdays on file and birthday
coupons schedule the journeys' runs, and a void takes its purchase's out of them
(``journeys.sales``, ``journeys.service``). Every event, of these types
or any other, is also offered to the webhook subscriptions naming its type
(``webhooks.service.fanning_out``).

Each handler calls the capabilities in the order written. The handlers of the purchase
path's events (points earned, purchases) and those only passing events on to webhooks are
in the batch form (``shared.inbox.InRuns``): a run of such events in a consumer batch is
applied at once, in a fixed number of statements however long it is. A handler whose member has no
contact yet raises :class:`~services.messaging.contacts.errors.ContactNotKnown`; the
consumer runner then retries the batch with backoff (see ``shared.consumer``).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.messaging.base import segment_copies
from services.messaging.consumers.customer import (
    on_card_reissued,
    on_consent_changed,
    on_member_deactivated,
    on_member_reactivated,
    on_member_registered,
    on_member_updated,
    on_signin_code_requested,
    on_ticket_escalated,
    on_ticket_resolved,
)
from services.messaging.consumers.loyalty import (
    on_coupon_expiring,
    on_draw_made,
    on_points_earned,
    on_points_expired,
    on_points_expiring,
    on_referral_rewarded,
    on_reward,
    on_tier_changed,
)
from services.messaging.consumers.notify import Context
from services.messaging.journeys import sales
from services.messaging.journeys import service as journeys
from services.messaging.privacy import service as privacy
from services.messaging.webhooks.service import fanning_out
from shared.db import AsyncSession
from shared.events import EVENT_TYPES, CloudEvent
from shared.events.coupons import CouponExpiring, CouponGranted
from shared.events.customer import (
    MemberCardReissued,
    MemberConsentChanged,
    MemberDeactivated,
    MemberErased,
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
    TierChanged,
)
from shared.events.orders import PurchaseCompleted, PurchaseVoided
from shared.events.referrals import ReferralRewarded
from shared.events.segments import SegmentChanged, SegmentDeleted
from shared.inbox import Handler, InRuns


async def _purchases_completed(
    session: AsyncSession, events: Sequence[CloudEvent], _: Context
) -> None:
    """Schedules each member's welcome after their first purchase and moves their win-back
    to after their latest one, for a run of purchases at once."""
    await sales.follow_purchases(session, [e.payload(PurchaseCompleted) for e in events])


on_purchase_completed: InRuns[Context] = InRuns(_purchases_completed)


async def on_purchase_voided(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """A voided sale counts as no purchase: the member's welcome and win-back move back to
    their remaining purchases (none left, no welcome and no win-back)."""
    await sales.follow_void(session, event.payload(PurchaseVoided))


async def on_coupon_granted(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """A birthday coupon waits for its greeting; any other coupon is told at once."""
    await journeys.follow_coupon(session, ctx.cipher, event.payload(CouponGranted))


async def on_segment_changed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Keeps messaging's copy of the segment's members (for bulk sends to a segment)."""
    await segment_copies.apply(session, event.payload(SegmentChanged))


async def on_segment_deleted(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await segment_copies.drop(session, event.payload(SegmentDeleted))


async def on_member_erased(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Removes or blanks what messaging holds about the erased member."""
    await privacy.erase(session, event.payload(MemberErased))


_NOTIFYING: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    MemberUpdated.event_type: on_member_updated,
    MemberCardReissued.event_type: on_card_reissued,
    MemberConsentChanged.event_type: on_consent_changed,
    MemberDeactivated.event_type: on_member_deactivated,
    MemberReactivated.event_type: on_member_reactivated,
    MemberErased.event_type: on_member_erased,
    PointsEarned.event_type: on_points_earned,
    PointsExpiring.event_type: on_points_expiring,
    PointsExpired.event_type: on_points_expired,
    CouponExpiring.event_type: on_coupon_expiring,
    TierChanged.event_type: on_tier_changed,
    RewardOrdered.event_type: on_reward(RewardOrdered, "reward_ordered"),
    RewardFulfilled.event_type: on_reward(RewardFulfilled, "reward_fulfilled"),
    RewardCancelled.event_type: on_reward(RewardCancelled, "reward_cancelled"),
    ReferralRewarded.event_type: on_referral_rewarded,
    DrawMade.event_type: on_draw_made,
    TicketEscalated.event_type: on_ticket_escalated,
    TicketResolved.event_type: on_ticket_resolved,
    PurchaseCompleted.event_type: on_purchase_completed,
    PurchaseVoided.event_type: on_purchase_voided,
    SigninCodeRequested.event_type: on_signin_code_requested,
    CouponGranted.event_type: on_coupon_granted,
    SegmentChanged.event_type: on_segment_changed,
    SegmentDeleted.event_type: on_segment_deleted,
}

# every event type a webhook subscription can name, each also queuing its deliveries
HANDLERS: dict[str, Handler[Context]] = fanning_out(_NOTIFYING, EVENT_TYPES)
