"""Use cases of analytics: applying events to the read models, and reading KPIs.

They flush, never commit: the consumer runner or the request owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.analytics import domain, repository
from services.analytics.schemas import Kpis, MemberSummary
from shared.db import AsyncSession
from shared.errors import NotFound
from shared.events.customer import MemberRegistered
from shared.events.loyalty import TierChanged
from shared.events.messaging import Channel
from shared.events.orders import PurchaseCompleted, PurchaseReturned
from shared.inbox import AwaitingEvent


class PurchaseNotKnown(AwaitingEvent):
    """A return names a purchase analytics has not seen.

    Purchases and their returns share a topic and a key, so the purchase normally comes
    first; after broker amnesia a return can overtake its republished purchase, so the
    consumer waits for it and parks the return only if it never comes.
    """


async def record_registration(session: AsyncSession, registered: MemberRegistered) -> None:
    await repository.record_registration(
        session, registered.member_id, registered.registered_at, registered.store_id
    )


async def record_purchase(session: AsyncSession, purchase: PurchaseCompleted) -> None:
    await repository.record_purchase(
        session,
        purchase_id=purchase.purchase_id,
        member_id=purchase.member_id,
        store_id=purchase.store_id,
        total_fen=purchase.total_fen,
        purchased_at=purchase.purchased_at,
    )


async def record_return(session: AsyncSession, returned: PurchaseReturned) -> None:
    purchase = await repository.claim_return(
        session,
        return_id=returned.return_id,
        purchase_id=returned.purchase_id,
        amount_fen=returned.amount_fen,
        returned_at=returned.returned_at,
    )
    if purchase is None:
        raise PurchaseNotKnown(
            f"return {returned.return_id} names purchase {returned.purchase_id}, "
            "which analytics has not recorded"
        )
    if not purchase.fresh:
        return
    effect = domain.apply_return(purchase.total_fen, purchase.returned_fen, returned.amount_fen)
    await repository.apply_return(
        session,
        purchase_id=returned.purchase_id,
        member_id=purchase.member_id,
        returned_fen=effect.returned_fen,
        fully_returned=effect.fully_returned,
        refunded_fen=effect.refunded_fen,
        purchase_count_delta=effect.purchase_count_delta,
    )


async def record_tier(session: AsyncSession, changed: TierChanged) -> None:
    await repository.set_tier(session, changed.member_id, changed.to_tier)


async def record_notification(
    session: AsyncSession, *, at: datetime, channel: Channel, status: str, timezone: str
) -> None:
    await repository.count_notification(session, domain.business_day(at, timezone), channel, status)


async def kpis(session: AsyncSession, days: int) -> Kpis:
    now = datetime.now(UTC)
    counts = await repository.kpi_counts(session, domain.active_window_start(now, days))
    return Kpis(
        members=counts.members,
        active_members_30d=counts.active_members,
        active_window_days=days,
        purchasing_members=counts.purchasing_members,
        repeat_purchase_rate=domain.repeat_purchase_rate(
            counts.repeat_members, counts.purchasing_members
        ),
        revenue_fen=counts.revenue_fen,
        purchases=counts.purchases,
        average_order_value_fen=domain.average_order_value_fen(
            counts.revenue_fen, counts.purchases
        ),
        as_of=now,
    )


async def member_summary(
    session: AsyncSession, member_id: uuid.UUID, timezone: str
) -> MemberSummary:
    stats = await repository.member(session, member_id)
    if stats is None:
        raise NotFound(f"Analytics has no events about member {member_id}")
    return MemberSummary(
        member_id=stats.member_id,
        registered_at=stats.registered_at,
        purchase_count=stats.purchase_count,
        spend_fen=stats.spend_fen,
        returned_fen=stats.returned_fen,
        net_spend_fen=stats.spend_fen - stats.returned_fen,
        first_purchase_at=stats.first_purchase_at,
        last_purchase_at=stats.last_purchase_at,
        days_since_last_purchase=domain.days_since(
            stats.last_purchase_at, datetime.now(UTC), timezone
        ),
        tier_code=stats.tier_code,
    )
