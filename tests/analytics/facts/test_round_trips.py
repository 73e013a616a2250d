"""What analytics' consumer spends in statements on the purchase path's per-sale events that
it folds in runs: sales, notification outcomes and the campaigns a sale reached."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import col, select

from services.analytics.base import inbox
from services.analytics.cohorts.models import CampaignPurchase
from services.analytics.facts.domain import business_day
from services.analytics.facts.models import MemberStats, NotificationDay
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted
from shared.inbox import Handlers
from tests.analytics import events
from tests.loyalty.statements import applied_statements

STATEMENTS_PER_RUN = 2
"""The inbox's claim and one write, however long the run. Before issue 19 it was the claim
and one statement per event."""


async def _apply(sessions: Sessions, handlers: Handlers, batch: list[CloudEvent]) -> list[str]:
    return await applied_statements("analytics", sessions, inbox, handlers, batch)


async def _count(sessions: Sessions, channel: str, status: str) -> int:
    today = business_day(datetime.now(UTC), "Asia/Shanghai")
    async with sessions() as session:
        found = await session.scalar(
            select(col(NotificationDay.count)).where(
                col(NotificationDay.day) == today,
                col(NotificationDay.channel) == channel,
                col(NotificationDay.status) == status,
            )
        )
    return found or 0


async def test_a_run_of_outcomes_is_counted_in_one_statement_however_long(
    analytics_sessions: Sessions, handlers: Handlers
) -> None:
    before = await _count(analytics_sessions, "sms", "sent")
    for size in (5, 40):
        batch = [events.notification(uuid.uuid4(), "sms") for _ in range(size)]
        sent = await _apply(analytics_sessions, handlers, batch)
        assert len(sent) == STATEMENTS_PER_RUN, sent
    assert await _count(analytics_sessions, "sms", "sent") == before + 45
    # a redelivered run counts nothing twice
    assert len(await _apply(analytics_sessions, handlers, batch)) == 1
    assert await _count(analytics_sessions, "sms", "sent") == before + 45


async def test_outcomes_of_two_kinds_are_counted_apart(
    analytics_sessions: Sessions, handlers: Handlers
) -> None:
    sent_before = await _count(analytics_sessions, "email", "sent")
    failed_before = await _count(analytics_sessions, "email", "failed")
    batch = [
        events.notification(uuid.uuid4(), "email"),
        events.notification(uuid.uuid4(), "email", sent=False),
        events.notification(uuid.uuid4(), "email"),
    ]
    await _apply(analytics_sessions, handlers, batch)
    assert await _count(analytics_sessions, "email", "sent") == sent_before + 2
    assert await _count(analytics_sessions, "email", "failed") == failed_before + 1


async def test_a_run_of_points_earned_keeps_every_campaign_reached_in_one_statement(
    analytics_sessions: Sessions, handlers: Handlers
) -> None:
    campaign, other = uuid.uuid4(), uuid.uuid4()
    sales = [events.purchase(uuid.uuid4(), 20_000) for _ in range(30)]
    batch = [events.earned(sale, campaign) for sale in sales[:20]]
    batch += [events.earned(sale, campaign, other) for sale in sales[20:25]]
    batch += [events.earned(sale) for sale in sales[25:]]  # reached by none
    sent = await _apply(analytics_sessions, handlers, batch)
    assert len(sent) == STATEMENTS_PER_RUN, sent
    async with analytics_sessions() as session:
        rows = await session.execute(
            select(col(CampaignPurchase.campaign_id), func.count())
            .where(col(CampaignPurchase.campaign_id).in_([campaign, other]))
            .group_by(col(CampaignPurchase.campaign_id))
        )
        reached = dict(rows.all())
    assert reached == {campaign: 25, other: 5}


async def test_a_run_of_sales_counts_each_once_per_member_in_one_statement(
    analytics_sessions: Sessions, handlers: Handlers
) -> None:
    twice, once = uuid.uuid4(), uuid.uuid4()
    first = events.purchase(twice, 10_000, datetime(2026, 11, 2, 3, tzinfo=UTC))
    batch = [
        first,
        events.purchase(once, 2_500, datetime(2026, 11, 3, 3, tzinfo=UTC)),
        events.purchase(twice, 4_000, datetime(2026, 11, 1, 3, tzinfo=UTC)),
        # the same sale again under a new envelope, in the same run: counted once
        CloudEvent.of(first.payload(PurchaseCompleted), source="/huiyuan/orders"),
    ]
    sent = await _apply(analytics_sessions, handlers, batch)
    assert len(sent) == STATEMENTS_PER_RUN, sent
    assert await _member(analytics_sessions, twice) == (
        2,
        14_000,
        datetime(2026, 11, 1, 3, tzinfo=UTC),
        datetime(2026, 11, 2, 3, tzinfo=UTC),
    )
    assert (await _member(analytics_sessions, once))[:2] == (1, 2_500)
    later = events.purchase(twice, 1_000, datetime(2026, 11, 5, 3, tzinfo=UTC))
    await _apply(analytics_sessions, handlers, [later, first])
    assert (await _member(analytics_sessions, twice))[:2] == (3, 15_000)


async def _member(
    sessions: Sessions, member_id: uuid.UUID
) -> tuple[int, int, datetime | None, datetime | None]:
    async with sessions() as session:
        row = await session.get(MemberStats, member_id)
        assert row is not None
        return row.purchase_count, row.spend_fen, row.first_purchase_at, row.last_purchase_at
