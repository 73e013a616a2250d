"""What analytics consumes: every topic, each event folded into the read models."""

from __future__ import annotations

from collections.abc import Sequence

from services.analytics.base import product_categories
from services.analytics.cohorts import service as cohorts
from services.analytics.config import Settings
from services.analytics.facts import service
from services.analytics.privacy import service as privacy
from services.analytics.referrals import service as referrals
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import (
    MemberErased,
    MemberReferred,
    MemberRegistered,
    MemberUpdated,
    TicketSurveyed,
)
from shared.events.loyalty import AccountOpened, PointsEarned, TierChanged
from shared.events.messaging import NotificationFailed, NotificationSent, NotificationSuppressed
from shared.events.orders import (
    ProductChanged,
    PurchaseCompleted,
    PurchaseReturned,
    PurchaseVoided,
)
from shared.events.referrals import ReferralQualified, ReferralRewarded
from shared.inbox import Handler, HandlerContext, InRuns

Context = HandlerContext[Settings]


async def on_member_registered(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_registration(session, event.payload(MemberRegistered))


async def on_member_updated(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_tags(session, event.payload(MemberUpdated))


async def on_member_referred(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await referrals.record_referred(session, event.payload(MemberReferred))


async def on_referral_qualified(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await referrals.record_qualified(session, event.payload(ReferralQualified))


async def on_referral_rewarded(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await referrals.record_rewarded(session, event.payload(ReferralRewarded))


async def on_ticket_surveyed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_survey(session, event.payload(TicketSurveyed))


async def _purchases_completed(
    session: AsyncSession, events: Sequence[CloudEvent], _: Context
) -> None:
    """A run of sales: their facts and their members' counters in one statement."""
    await service.record_purchases(session, [e.payload(PurchaseCompleted) for e in events])


on_purchase_completed: InRuns[Context] = InRuns(_purchases_completed)


async def on_purchase_returned(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_return(session, event.payload(PurchaseReturned))


async def on_purchase_voided(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_void(session, event.payload(PurchaseVoided))


async def on_account_opened(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_account_opening(session, event.payload(AccountOpened))


async def on_tier_changed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await service.record_tier_change(session, event.payload(TierChanged), event.time)


async def _points_earned(session: AsyncSession, events: Sequence[CloudEvent], _: Context) -> None:
    """Which loyalty campaigns reached the sales: their participants' cohort (a run of
    events in one statement)."""
    await cohorts.record_reached(session, [event.payload(PointsEarned) for event in events])


on_points_earned: InRuns[Context] = InRuns(_points_earned)


def _counting(
    model: type[NotificationSent | NotificationFailed | NotificationSuppressed], status: str
) -> InRuns[Context]:
    """Notification outcomes count per channel and business day (the brand's timezone): a
    run of them in one statement."""

    async def on_notifications(
        session: AsyncSession, events: Sequence[CloudEvent], ctx: Context
    ) -> None:
        await service.record_notifications(
            session,
            ((event.time, event.payload(model).channel, status) for event in events),
            timezone=ctx.settings.business_timezone,
        )

    return InRuns(on_notifications)


async def on_product_changed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Which category each SKU is in, for rules by category (issue 12)."""
    await product_categories.apply(session, event.payload(ProductChanged))


async def on_member_erased(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """An erased member's facts stay for the KPIs, under an id no one can link to them."""
    await privacy.erase(session, event.payload(MemberErased))


HANDLERS: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    MemberUpdated.event_type: on_member_updated,
    MemberReferred.event_type: on_member_referred,
    MemberErased.event_type: on_member_erased,
    ReferralQualified.event_type: on_referral_qualified,
    ReferralRewarded.event_type: on_referral_rewarded,
    TicketSurveyed.event_type: on_ticket_surveyed,
    PurchaseCompleted.event_type: on_purchase_completed,
    PurchaseReturned.event_type: on_purchase_returned,
    PurchaseVoided.event_type: on_purchase_voided,
    ProductChanged.event_type: on_product_changed,
    AccountOpened.event_type: on_account_opened,
    TierChanged.event_type: on_tier_changed,
    PointsEarned.event_type: on_points_earned,
    NotificationSent.event_type: _counting(NotificationSent, "sent"),
    NotificationFailed.event_type: _counting(NotificationFailed, "failed"),
    NotificationSuppressed.event_type: _counting(NotificationSuppressed, "suppressed"),
}
