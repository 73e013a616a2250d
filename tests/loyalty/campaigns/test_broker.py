"""Through the real broker: a sale published by orders reaches a campaign with a coupon
giveaway and a tier reward; loyalty publishes ``loyalty.coupon.granted`` naming the
campaign, ``loyalty.points.earned`` naming it among the campaigns the sale reached, and at
the close-out ``loyalty.tier.changed`` (manual, naming it) and ``loyalty.campaign.closed``."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select

from services.loyalty.base import outbox
from services.loyalty.campaigns.closeout import close_due
from shared.db import Sessions
from shared.events import CloudEvent
from shared.kafka import Publisher, Record
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign
from tests.loyalty.conftest import key
from tests.loyalty.coupons.test_api import body as definition_body
from tests.loyalty.rules.sales import at, line, new_year, sale_event
from tests.stack import Stack, eventually, running, skip_backlog, staff_headers

SERVICE = staff_headers("service")


async def _on_the_broker(
    stack: Stack, sessions: Sessions, subject: str, kind: str
) -> dict[str, Any] | None:
    """The data of the ``kind`` event keyed ``subject`` read back from the broker, once the
    relay published it (None before)."""
    table = outbox.table
    async with sessions() as session:
        row = (
            await session.execute(
                select(table.c.topic, table.c.partition, table.c.offset).where(
                    table.c.key == subject,
                    table.c.event_type == kind,
                    table.c.published_at.is_not(None),
                )
            )
        ).first()
    if row is None:
        return None
    reader = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap_servers, enable_auto_commit=False)
    await reader.start()
    try:
        where = TopicPartition(row.topic, row.partition)
        reader.assign([where])
        reader.seek(where, row.offset)
        record = await reader.getone(where)
        assert record.value is not None
        event = CloudEvent.from_json(record.value)
    finally:
        await reader.stop()
    assert event.type == kind
    return dict(event.data)


async def test_a_sale_on_the_broker_gets_the_campaigns_coupon_and_its_close_out_is_published(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    group = f"loyalty-campaigns-{uuid.uuid4().hex[:8]}"
    await skip_backlog(
        stack.bootstrap_servers, group, stack.app("loyalty").state.spec.subscriptions
    )
    start = new_year(7) + timedelta(days=100)
    store = uuid.uuid4()
    member = uuid.uuid4()
    sale = sale_event(member, at(start.date()), line(1, "S", "skincare", 30_000), store_id=store)
    publisher = Publisher(stack.bootstrap_servers)
    await publisher.start()
    try:
        async with running(stack.app("loyalty", consumer_group_id=group)) as client:
            made = await client.post(
                "/coupons/definitions", json=definition_body(), headers=MARKETING | key()
            )
            assert made.status_code == 201, made.text
            campaign = await new_campaign(
                client,
                start,
                store,
                bonus_points=5,
                giveaway_definition_id=made.json()["id"],
                giveaway_threshold_fen=20_000,
                reward_top_n=1,
                reward_tier_code="vip",
                reward_tier_until=(start + timedelta(days=40)).date().isoformat(),
            )
            await publisher.send([Record(sale.topic, sale.key.encode(), sale.to_json())])

            async def granted() -> dict[str, Any] | None:
                return await _on_the_broker(
                    stack, loyalty_sessions, str(member), "loyalty.coupon.granted"
                )

            coupon = await eventually(granted, timeout=20)
            assert (coupon["campaign_id"], coupon["definition_id"]) == (
                campaign["id"],
                made.json()["id"],
            )

            async def points() -> dict[str, Any] | None:
                return await _on_the_broker(
                    stack, loyalty_sessions, str(member), "loyalty.points.earned"
                )

            earned = await eventually(points, timeout=20)
            assert earned["campaign_ids"] == [campaign["id"]]
            listed = await client.get(f"/members/{member}/coupons", headers=SERVICE)
            assert [c["id"] for c in listed.json()["items"]] == [coupon["coupon_id"]]

            assert await close_due(loyalty_sessions, start + timedelta(days=10)) >= 1

            async def closed() -> dict[str, Any] | None:
                return await _on_the_broker(
                    stack, loyalty_sessions, campaign["id"], "loyalty.campaign.closed"
                )

            event = await eventually(closed, timeout=20)
            assert event["tier_awarded_members"] == [str(member)]
            assert event["spent_points"] == 5

            async def upgraded() -> dict[str, Any] | None:
                return await _on_the_broker(
                    stack, loyalty_sessions, str(member), "loyalty.tier.changed"
                )

            changed = await eventually(upgraded, timeout=20)
            assert (changed["to_tier"], changed["change"], changed["campaign_id"]) == (
                "vip",
                "manual",
                campaign["id"],
            )
    finally:
        await publisher.stop()
