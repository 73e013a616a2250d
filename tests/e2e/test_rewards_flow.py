"""Points earned from a sale through the broker are spent on a reward, given back when the
order is cancelled, each step's event reaches the broker, and messaging tells the member
of both by SMS."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import ADMIN, _loyalty, _member, _ok, _program, _purchase
from tests.e2e.test_purchase_flow import _store_key as _store
from tests.stack import eventually, member_headers, staff_headers


async def _events_about(bootstrap_servers: str, subject: str, wanted: int) -> list[dict[str, Any]]:
    """The ``loyalty.events`` envelopes whose subject is ``subject``, once ``wanted`` of
    them are on the broker (read from the start, without a consumer group)."""
    consumer = AIOKafkaConsumer(
        "loyalty.events",
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while len(found) < wanted and loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                envelopes = (orjson.loads(record.value) for record in records)
                found += [e for e in envelopes if e["subject"] == subject]
    finally:
        await consumer.stop()
    return found


async def test_points_from_a_sale_buy_a_reward_and_come_back_on_cancel(system: System) -> None:
    await _program(system)
    key = await _store(system)
    member = await _member(system)
    await _purchase(system, key, member, price_fen=50_000)  # ¥500 → 500 points

    async def balance_is(points: int) -> bool:
        return (await _loyalty(system, member["id"])).get("balance") == points

    await eventually(lambda: balance_is(500), timeout=15)
    item = _ok(
        await system["loyalty"].post(
            "/rewards/items",
            json={
                "code": f"E2E-{uuid.uuid4().hex[:8]}",
                "name": "环保袋 Tote bag",
                "point_price": 200,
                "stock": 3,
                "per_member_limit": 2,
            },
            headers=staff_headers("marketing") | {"Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    me = member_headers(uuid.UUID(member["id"]))
    placed = _ok(
        await system["loyalty"].post(
            f"/members/{member['id']}/reward-orders",
            json={"item_id": item["id"], "quantity": 2},
            headers=me | {"Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    assert (placed["points"], placed["balance"]) == (400, 100)
    cancelled = _ok(
        await system["loyalty"].post(
            f"/members/{member['id']}/reward-orders/{placed['order_id']}/cancel",
            json={"reason": "改选其他礼品"},
            headers=me | {"Idempotency-Key": uuid.uuid4().hex},
        )
    )
    assert (cancelled["status"], cancelled["balance"]) == ("cancelled", 500)
    read = _ok(await system["loyalty"].get(f"/rewards/items/{item['id']}", headers=ADMIN))
    assert read["stock"] == 3
    ledger = _ok(await system["loyalty"].get(f"/members/{member['id']}/ledger", headers=ADMIN))
    assert [(e["kind"], e["points"]) for e in ledger["items"]] == [
        ("refund", 400),
        ("redeem", -400),
        ("earn", 500),
    ]
    events = await _events_about(system.stack.bootstrap_servers, placed["order_id"], 2)
    assert [e["type"] for e in events] == ["loyalty.reward.ordered", "loyalty.reward.cancelled"]
    assert {e["partitionkey"] for e in events} == {member["id"]}
    assert [e["data"]["balance"] for e in events] == [100, 500]

    async def told() -> list[str] | None:
        texts = sorted(m.text for m in system.providers.inbox().sms if m.to == member["phone"])
        return texts if sum("环保袋 Tote bag × 2" in text for text in texts) == 2 else None

    texts = await eventually(told, timeout=20)
    assert "韩梅梅，您已使用 400 积分兑换环保袋 Tote bag × 2，当前积分余额 100。" in texts
    assert (
        "韩梅梅，您兑换环保袋 Tote bag × 2 的订单已取消，400 积分已退回，当前积分余额 500。"
    ) in texts
