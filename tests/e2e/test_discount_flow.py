"""A discounted sale through orders, the broker and loyalty: points are earned on what was
paid, and a partial return refunds and reverses exactly its paid share."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import _loyalty, _member, _ok, _program, _store_key
from tests.stack import eventually


async def test_points_follow_the_paid_amount_of_a_discounted_sale(system: System) -> None:
    await _program(system)  # 1 point per yuan at the standard tier
    key = await _store_key(system)
    member = await _member(system)
    headers = {"X-API-Key": key}
    body = {
        "card_number": member["card_number"],
        "lines": [
            {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 2, "unit_price_fen": 45_000}
        ],
        "discounts": [{"source": "MJ-200-30", "amount_fen": 10_001}],
    }

    async def accepted() -> dict[str, Any] | None:
        response = await system["orders"].post(
            "/purchases", json=body, headers=headers | {"Idempotency-Key": uuid.uuid4().hex}
        )
        if response.status_code == 422 and "unknown" in response.text.lower():
            return None  # the registration event has not reached orders yet
        return dict(_ok(response, 201))

    sale = await eventually(accepted, timeout=15, interval=0.05)
    assert sale["total_fen"] == 79_999  # 90000 − 10001

    async def balance_is(points: int, spend: int) -> bool:
        account = await _loyalty(system, member["id"])
        return bool(
            account and account["balance"] == points and account["qualifying_spend_fen"] == spend
        )

    await eventually(lambda: balance_is(799, 79_999), timeout=15)  # 799.99 → 799
    returned = _ok(
        await system["orders"].post(
            f"/purchases/{sale['id']}/returns",
            json={"lines": [{"line_no": 1, "quantity": 1}]},
            headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    # the first unit back carries 10001 // 2 = 5000 off; the last the 5001 left
    assert returned["amount_fen"] == 40_000
    # 799 × 40000 / 79999 = 399.5 → 399 reversed
    await eventually(lambda: balance_is(400, 39_999), timeout=15)
    rest = _ok(
        await system["orders"].post(
            f"/purchases/{sale['id']}/returns",
            json={"all": True},
            headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    assert rest["amount_fen"] == 39_999
    await eventually(lambda: balance_is(0, 0), timeout=15)
