"""Reward items made over HTTP, and what the rewards tables hold for a test to check."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text

from shared.db import Sessions
from tests.loyalty.conftest import key
from tests.stack import member_headers, staff_headers

MARKETING = staff_headers("marketing")
SERVICE = staff_headers("service")


def item_body(**changes: Any) -> dict[str, Any]:
    """A new item's body: a unique code, 300 points, 10 in stock, no limit, open window."""
    return {
        "code": f"GIFT-{uuid.uuid4().hex[:10]}",
        "name": "保温杯 Vacuum flask",
        "point_price": 300,
        "stock": 10,
    } | changes


async def new_item(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post(
        "/rewards/items", json=item_body(**changes), headers=MARKETING | key()
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def stock_of(sessions: Sessions, item_id: str) -> int:
    async with sessions() as session:
        stock = await session.scalar(
            text("SELECT stock FROM loyalty.reward_items WHERE id = :id"), {"id": item_id}
        )
    assert stock is not None
    return int(stock)


async def orders_of(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[str, int, int]]:
    """``(status, quantity, points)`` of the member's reward orders, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT status, quantity, points FROM loyalty.reward_orders "
                "WHERE member_id = :member ORDER BY placed_at"
            ),
            {"member": member_id},
        )
        return [(row.status, row.quantity, row.points) for row in rows]


async def order(
    client: httpx.AsyncClient, member_id: uuid.UUID, item_id: str, quantity: int = 1
) -> httpx.Response:
    """The member orders ``quantity`` of the item, with a fresh idempotency key."""
    return await client.post(
        f"/members/{member_id}/reward-orders",
        json={"item_id": item_id, "quantity": quantity},
        headers=member_headers(member_id) | key(),
    )
