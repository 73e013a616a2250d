"""An item's stock history over HTTP: every movement (creation, staff, orders and their
cancellations) with who, when and the stock after, newest first, a page at a time."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from tests.loyalty.conftest import funded_member, key, problem
from tests.loyalty.rewards.conftest import MARKETING, new_item
from tests.stack import member_headers, staff_headers

ANALYST = staff_headers("analyst")


async def _page(
    client: httpx.AsyncClient, item_id: str, **params: Any
) -> tuple[list[tuple[str, int, int, str | None]], dict[str, Any]]:
    response = await client.get(f"/rewards/items/{item_id}/stock", params=params, headers=ANALYST)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    moves = [(m["kind"], m["change"], m["stock_after"], m["order_id"]) for m in body["items"]]
    return moves, body


async def test_every_stock_movement_is_listed_newest_first(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 500_000)
    me = member_headers(member_id)
    item = await new_item(client, point_price=100, stock=3)
    restocked = await client.post(
        f"/rewards/items/{item['id']}/stock",
        json={"change": 5, "reason": "到货 delivery"},
        headers=MARKETING | key(),
    )
    assert restocked.status_code == 201, restocked.text
    orders = f"/members/{member_id}/reward-orders"
    first = await client.post(
        orders, json={"item_id": item["id"], "quantity": 2}, headers=me | key()
    )
    assert first.status_code == 201, first.text
    cancelled = await client.post(
        f"{orders}/{first.json()['order_id']}/cancel", json={"reason": "换别的"}, headers=me | key()
    )
    assert cancelled.status_code == 200, cancelled.text
    second = await client.post(orders, json={"item_id": item["id"]}, headers=me | key())
    assert second.status_code == 201, second.text
    one, two = first.json()["order_id"], second.json()["order_id"]

    newest, body = await _page(client, item["id"], limit=2)
    assert newest == [("order", -1, 7, two), ("cancellation", 2, 8, one)]
    assert [m["reason"] for m in body["items"]] == ["reward order", "换别的"]
    assert {m["changed_by"] for m in body["items"]} == {f"member-{member_id}"}
    older, body = await _page(client, item["id"], limit=2, cursor=body["next_cursor"])
    assert older == [("order", -2, 6, one), ("adjustment", 5, 8, None)]
    assert body["items"][1]["reason"] == "到货 delivery"
    assert body["items"][1]["changed_by"] == restocked.json()["changed_by"]
    oldest, body = await _page(client, item["id"], limit=2, cursor=body["next_cursor"])
    assert (oldest, body["next_cursor"]) == ([("initial", 3, 3, None)], None)
    current = await client.get(f"/rewards/items/{item['id']}", headers=ANALYST)
    assert current.json()["stock"] == 7


async def test_an_unknown_item_has_no_history_and_members_read_none(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get(f"/rewards/items/{uuid.uuid4()}/stock", headers=ANALYST)
    assert problem(missing, 404)["type"] == "urn:huiyuan:problem:reward-not-found"
    item = await new_item(client)
    member = member_headers(uuid.uuid4())
    problem(await client.get(f"/rewards/items/{item['id']}/stock", headers=member), 403)


@pytest.mark.parametrize(
    ("params", "where"),
    [({"limit": 0}, "query.limit"), ({"cursor": "x"}, "query.cursor")],
)
async def test_bad_pages_are_refused(
    client: httpx.AsyncClient, params: dict[str, Any], where: str
) -> None:
    item = await new_item(client)
    response = await client.get(
        f"/rewards/items/{item['id']}/stock", params=params, headers=ANALYST
    )
    assert problem(response, 422)["errors"][0]["location"] == where
