"""Part B's flow through the real broker: orders' events reach loyalty's consumer, points
wait out the return window, a return cancels pending points, staff adjust, the daily job
expires the lots, and the relay publishes ``loyalty.points.expired`` to the broker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select, text

from services.loyalty.base import outbox
from services.loyalty.lots.jobs import expire_due
from shared.db import Sessions
from shared.events import CloudEvent
from shared.kafka import Publisher, Record
from tests.loyalty.conftest import key, purchase_event, purchase_id_of, return_event
from tests.stack import Stack, eventually, running, skip_backlog, staff_headers

MARKETING = staff_headers("marketing")
SERVICE = staff_headers("service")


async def _published(sessions: Sessions, member_id: uuid.UUID, kind: str) -> Any:
    """The outbox row of the member's ``kind`` event once the relay published it."""
    table = outbox.table
    async with sessions() as session:
        row = (
            await session.execute(
                select(table.c.topic, table.c.partition, table.c.offset).where(
                    table.c.key == str(member_id),
                    table.c.event_type == kind,
                    table.c.published_at.is_not(None),
                )
            )
        ).first()
    return row


async def _on_the_broker(bootstrap: str, topic: str, partition: int, offset: int) -> CloudEvent:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        where = TopicPartition(topic, partition)
        reader.assign([where])
        reader.seek(where, offset)
        record = await reader.getone(where)
        assert record.value is not None
        return CloudEvent.from_json(record.value)
    finally:
        await reader.stop()


async def test_pending_returned_adjusted_and_expired_points_through_the_broker(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    group = f"loyalty-lots-{uuid.uuid4().hex[:8]}"
    await skip_backlog(
        stack.bootstrap_servers, group, stack.app("loyalty").state.spec.subscriptions
    )
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 50_000)
    returned = return_event(member_id, purchase_id_of(sale), 20_000, 50_000)
    publisher = Publisher(stack.bootstrap_servers)
    await publisher.start()
    try:
        async with running(stack.app("loyalty", consumer_group_id=group)) as client:
            policy = {
                "return_window_days": 7,
                "expiry": "months_after_earning",
                "expiry_months": 3,
            }
            put = await client.put("/program/points-policy", json=policy, headers=MARKETING)
            assert put.status_code == 200, put.text
            try:
                await publisher.send([Record(sale.topic, sale.key.encode(), sale.to_json())])

                async def view() -> dict[str, Any] | None:
                    got = await client.get(f"/members/{member_id}/loyalty", headers=SERVICE)
                    return got.json() if got.status_code == 200 else None

                seen = await eventually(view, timeout=20)
                assert (seen["available"], seen["pending_points"]) == (0, 500)
                await publisher.send(
                    [Record(returned.topic, returned.key.encode(), returned.to_json())]
                )

                async def reversed_() -> dict[str, Any] | None:
                    now = await view()
                    return now if now and now["pending_points"] == 300 else None

                seen = await eventually(reversed_, timeout=20)
                assert (seen["balance"], seen["available"]) == (300, 0)
                adjusted = await client.post(
                    f"/members/{member_id}/adjustments",
                    json={"points": 100, "reason": "welcome"},
                    headers=SERVICE | key(),
                )
                assert adjusted.status_code == 201, adjusted.text
                seen = await view()
                assert seen is not None
                assert (seen["balance"], seen["available"], seen["pending_points"]) == (
                    400,
                    100,
                    300,
                )
            finally:
                async with loyalty_sessions.begin() as session:
                    await session.execute(text("DELETE FROM loyalty.points_policy"))

            async with loyalty_sessions() as session:
                last: datetime = (
                    await session.execute(
                        text(
                            "SELECT max(l.expires_at) FROM loyalty.point_lots l JOIN "
                            "loyalty.account_holders h USING (account_id) WHERE h.member_id = :m"
                        ),
                        {"m": member_id},
                    )
                ).scalar_one()
            await expire_due(loyalty_sessions, last)
            where = await eventually(
                lambda: _published(loyalty_sessions, member_id, "loyalty.points.expired"),
                timeout=20,
            )
            seen = await view()
            assert seen is not None
            assert (seen["balance"], seen["available"], seen["pending_points"]) == (0, 0, 0)
    finally:
        await publisher.stop()

    event = await _on_the_broker(stack.bootstrap_servers, *where)
    assert event.type == "loyalty.points.expired"
    assert event.key == str(member_id)
    assert (event.data["points"], event.data["balance"]) == (400, 0)
    assert sorted(lot["points"] for lot in event.data["lots"]) == [100, 300]
