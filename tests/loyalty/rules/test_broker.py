"""Through the real broker: a product's category tree reaches loyalty, then a sale of it
earns by a category multiplier set on an ancestor, with its breakdown on the ledger."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from shared.events import CloudEvent
from shared.events.orders import ProductChanged
from shared.kafka import create_producer
from tests.loyalty.rules.sales import at, line, new_year, sale_event
from tests.stack import Stack, eventually, running, skip_backlog, staff_headers

MARKETING = staff_headers("marketing")


async def _publish(stack: Stack, *events: tuple[CloudEvent, str]) -> None:
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    try:
        for event, key in events:
            await producer.send_and_wait(event.topic, event.to_json(), key=key.encode())
    finally:
        await producer.stop()


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A loyalty app whose consumer group starts at the log's end: earlier tests' events
    (purchases of members loyalty never saw) would hold back the partitions this test's
    events land on, behind their waits, for longer than any timeout here."""
    group = f"loyalty-rules-{uuid.uuid4().hex[:8]}"
    await skip_backlog(
        stack.bootstrap_servers, group, stack.app("loyalty").state.spec.subscriptions
    )
    async with running(stack.app("loyalty", consumer_group_id=group)) as client:
        yield client


async def test_a_sale_published_on_kafka_earns_by_its_category_ancestor(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    start = new_year(5)
    rules = {
        "effective_from": start.isoformat(),
        "points_per_yuan": 1,
        "category_multipliers_percent": {"wellness": 400},
    }
    put = await client.put("/program/earning-rules", json=rules, headers=MARKETING)
    assert put.status_code == 200, put.text
    category = f"wellness-tea-{uuid.uuid4().hex[:6]}"  # under wellness
    product = ProductChanged(
        product_id=uuid.uuid4(),
        sku="TEA-1",
        name="Tea",
        category=category,
        category_ancestors=("wellness",),
        list_price_fen=5_000,
        status="active",
        revision=1,
        changed_at=datetime.now(UTC),
    )
    changed = CloudEvent.of(product, source="/huiyuan/orders")
    member = uuid.uuid4()
    sold = sale_event(member, at(date(start.year, 2, 2)), line(1, "TEA-1", category, 12_345))
    await _publish(stack, (changed, str(product.product_id)))

    async def categorised() -> bool:
        simulated = await client.post(
            "/program/simulate",
            json={
                "sale": {
                    "store_id": str(uuid.uuid4()),
                    "purchased_at": at(date(start.year, 2, 2)).isoformat(),
                    "tier_code": "standard",
                    "lines": [
                        {"line_no": 1, "sku": "TEA-1", "category": category, "amount_fen": 100}
                    ],
                }
            },
            headers=MARKETING,
        )
        return bool(simulated.json()["sale"]["lines"][0]["rule"] == "category:wellness")

    # the product event was applied (the app's consumer joins its group first)
    await eventually(categorised, timeout=60)
    await _publish(stack, (sold, str(member)))

    async def earned() -> list[dict[str, Any]] | None:
        response = await client.get(f"/members/{member}/ledger", headers=MARKETING)
        return response.json()["items"] if response.status_code == 200 else None

    [entry] = await eventually(earned, timeout=60)
    # 12,345 fen × 1 × 4 / 100 = 493.8 → 493: base 123.45 → 123, wellness +370
    assert entry["points"] == 493
    assert entry["breakdown"] == [
        {"rule": "base", "points": 123},
        {"rule": "category:wellness", "points": 370},
    ]
