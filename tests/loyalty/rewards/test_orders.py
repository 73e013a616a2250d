"""Reward orders over HTTP: they spend points and take stock at once, are placed once per
key, counted against the limit, cancelled or fulfilled once, listed for staff, and every
bad input is refused with nothing written."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions
from tests.loyalty.conftest import account_of, envelopes, funded_member, key, ledger_of, problem
from tests.loyalty.rewards.conftest import (
    SERVICE,
    new_item,
    order,
    orders_of,
    stock_of,
)
from tests.stack import member_headers, staff_headers


async def test_an_order_spends_points_and_takes_stock(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points
    item = await new_item(client, point_price=300, stock=5)
    response = await order(client, member_id, item["id"], quantity=2)
    assert response.status_code == 201, response.text
    placed = response.json()
    assert {k: placed[k] for k in ("quantity", "points", "status", "balance", "item_code")} == {
        "quantity": 2,
        "points": 600,
        "status": "placed",
        "balance": 400,
        "item_code": item["code"],
    }
    assert placed["placed_by"] == f"member-{member_id}"
    assert await stock_of(loyalty_sessions, item["id"]) == 3
    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.kind, last.source_type, str(last.source_id), last.points, last.reason) == (
        "redeem",
        "reward_order",
        placed["order_id"],
        -600,
        "保温杯 Vacuum flask ×2",
    )
    assert str(last.id) == placed["entry_id"]
    [event] = await envelopes(loyalty_sessions, member_id, "loyalty.reward.ordered")
    assert event["subject"] == placed["order_id"]
    keys = ("points", "balance", "quantity", "item_code", "item_name")
    assert {k: event["data"][k] for k in keys} == {
        "points": 600,
        "balance": 400,
        "quantity": 2,
        "item_code": item["code"],
        "item_name": "保温杯 Vacuum flask",
    }
    ledger = await client.get(f"/members/{member_id}/ledger", headers=member_headers(member_id))
    assert ledger.json()["items"][0]["reward_order_id"] == placed["order_id"]
    listed = await client.get(
        f"/members/{member_id}/reward-orders", headers=member_headers(member_id)
    )
    assert listed.json() == {"items": [placed | {"balance": None}], "next_cursor": None}


async def test_a_retried_order_is_placed_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client)
    headers = SERVICE | key()
    body = {"item_id": item["id"], "quantity": 1}
    path = f"/members/{member_id}/reward-orders"
    first = await client.post(path, json=body, headers=headers)
    again = await client.post(path, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["placed_by"] == "test-service"
    assert await orders_of(loyalty_sessions, member_id) == [("placed", 1, 300)]
    assert await stock_of(loyalty_sessions, item["id"]) == 9


@pytest.mark.parametrize(
    ("settings", "quantity", "status", "slug"),
    [
        ({"active": False}, 1, 422, "reward-unavailable"),
        ({"valid_from": "2035-01-01T00:00:00+08:00"}, 1, 422, "reward-unavailable"),
        ({"stock": 1}, 2, 409, "reward-out-of-stock"),
        ({"per_member_limit": 1}, 2, 409, "reward-limit-reached"),
        ({"point_price": 501}, 2, 422, "insufficient-points"),
    ],
)
async def test_a_refused_order_writes_nothing(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    settings: dict[str, Any],
    quantity: int,
    status: int,
    slug: str,
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client, **settings)
    refused = problem(await order(client, member_id, item["id"], quantity), status)
    assert refused["type"] == f"urn:huiyuan:problem:{slug}"
    assert await stock_of(loyalty_sessions, item["id"]) == item["stock"]
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn"]
    assert await orders_of(loyalty_sessions, member_id) == []
    assert await envelopes(loyalty_sessions, member_id, "loyalty.reward.ordered") == []


async def test_the_limit_counts_orders_until_they_are_cancelled(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 500_000)
    item = await new_item(client, per_member_limit=2)
    first = await order(client, member_id, item["id"], 2)
    assert first.status_code == 201, first.text
    refused = problem(await order(client, member_id, item["id"]), 409)
    assert (refused["limit"], refused["ordered"]) == (2, 2)
    assert refused["errors"][0]["location"] == "body.quantity"
    cancel = await client.post(
        f"/members/{member_id}/reward-orders/{first.json()['order_id']}/cancel",
        json={},
        headers=member_headers(member_id) | key(),
    )
    assert cancel.status_code == 200, cancel.text
    assert (await order(client, member_id, item["id"], 2)).status_code == 201


async def test_cancelling_gives_points_and_stock_back_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client, stock=4)
    placed = (await order(client, member_id, item["id"], 3)).json()
    path = f"/members/{member_id}/reward-orders/{placed['order_id']}"
    cancelled = await client.post(
        f"{path}/cancel", json={"reason": "门店缺货"}, headers=SERVICE | key()
    )
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["balance"], body["cancel_reason"], body["cancelled_by"]) == (
        "cancelled",
        1000,
        "门店缺货",
        "test-service",
    )
    assert await stock_of(loyalty_sessions, item["id"]) == 4
    [seen] = (
        await client.get(f"/members/{member_id}/reward-orders", headers=member_headers(member_id))
    ).json()["items"]
    assert (seen["placed_by"], seen["cancelled_by"]) == (f"member-{member_id}", "staff")
    refund = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (refund.kind, refund.source_type, str(refund.source_id), refund.points) == (
        "refund",
        "reward_refund",
        placed["order_id"],
        900,
    )
    assert str(refund.id) == body["refund_entry_id"]
    [event] = await envelopes(loyalty_sessions, member_id, "loyalty.reward.cancelled")
    assert (event["data"]["points"], event["data"]["balance"], event["data"]["reason"]) == (
        900,
        1000,
        "门店缺货",
    )
    again = await client.post(f"{path}/cancel", json={}, headers=SERVICE | key())
    assert again.status_code == 200
    assert again.json()["status"] == "cancelled"
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [1000, -900, 900]
    assert await stock_of(loyalty_sessions, item["id"]) == 4
    closed = problem(await client.post(f"{path}/fulfil", headers=SERVICE), 409)
    assert closed["type"] == "urn:huiyuan:problem:reward-order-closed"
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=[member_id])).ok


async def test_a_fulfilled_order_is_final(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client)
    placed = (await order(client, member_id, item["id"])).json()
    path = f"/members/{member_id}/reward-orders/{placed['order_id']}"
    problem(await client.post(f"{path}/fulfil", headers=member_headers(member_id)), 403)
    fulfilled = await client.post(f"{path}/fulfil", headers=SERVICE)
    assert fulfilled.status_code == 200, fulfilled.text
    assert (fulfilled.json()["status"], fulfilled.json()["fulfilled_by"]) == (
        "fulfilled",
        "test-service",
    )
    again = await client.post(f"{path}/fulfil", headers=SERVICE)
    assert again.json() == fulfilled.json()
    assert len(await envelopes(loyalty_sessions, member_id, "loyalty.reward.fulfilled")) == 1
    refused = problem(
        await client.post(f"{path}/cancel", json={}, headers=member_headers(member_id) | key()),
        409,
    )
    assert refused["detail"] == "the reward order is fulfilled already; it cannot be cancelled"
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [1000, -300]
    assert await stock_of(loyalty_sessions, item["id"]) == 9


async def test_orders_are_the_members_own(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    other = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client)
    placed = (await order(client, member_id, item["id"])).json()
    stranger = await client.post(
        f"/members/{member_id}/reward-orders",
        json={"item_id": item["id"]},
        headers=member_headers(other) | key(),
    )
    problem(stranger, 403)
    missing = problem(
        await client.post(
            f"/members/{other}/reward-orders/{placed['order_id']}/cancel",
            json={},
            headers=SERVICE | key(),
        ),
        404,
    )
    assert missing["type"] == "urn:huiyuan:problem:reward-order-not-found"
    problem(
        await client.get(f"/members/{member_id}/reward-orders", headers=member_headers(other)),
        403,
    )
    unknown = problem(await order(client, member_id, str(uuid.uuid4())), 422)
    assert unknown["type"] == "urn:huiyuan:problem:unknown-reward"
    assert unknown["errors"][0]["location"] == "body.item_id"
    no_account = problem(await order(client, uuid.uuid4(), item["id"]), 404)
    assert no_account["type"] == "urn:huiyuan:problem:account-not-found"
    account = await account_of(loyalty_sessions, other)
    assert account is not None
    assert account.balance == 1000


ORDER_FAULTS: list[tuple[str, Any, str]] = [
    ("quantity", 0, "greater than or equal to 1"),
    ("quantity", 101, "less than or equal to 100"),
    ("quantity", 1.5, "valid integer"),
    ("item_id", "FLASK-500", "valid UUID"),
]


@pytest.mark.parametrize(("field", "value", "message"), ORDER_FAULTS)
async def test_each_order_field_refuses_its_faults_by_name(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, field: str, value: Any, message: str
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client)
    body = {"item_id": item["id"], "quantity": 1, field: value}
    response = await client.post(
        f"/members/{member_id}/reward-orders", json=body, headers=member_headers(member_id) | key()
    )
    [error] = problem(response, 422)["errors"]
    assert error["location"] == f"body.{field}"
    assert message in error["message"]
    assert await stock_of(loyalty_sessions, item["id"]) == 10
    assert await orders_of(loyalty_sessions, member_id) == []


async def test_an_order_needs_an_idempotency_key(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client)
    response = await client.post(
        f"/members/{member_id}/reward-orders",
        json={"item_id": item["id"]},
        headers=staff_headers("service"),
    )
    assert problem(response, 422)["errors"][0]["location"] == "header.Idempotency-Key"
    assert await orders_of(loyalty_sessions, member_id) == []


async def test_staff_list_the_orders_waiting_to_be_fulfilled(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    item = await new_item(client)
    placed = [(await order(client, member_id, item["id"])).json() for _ in range(3)]
    fulfilled = placed[0]["order_id"]
    path = f"/members/{member_id}/reward-orders/{fulfilled}/fulfil"
    assert (await client.post(path, headers=SERVICE)).status_code == 200
    queue = await client.get(
        "/reward-orders", params={"item_id": item["id"], "status": "placed"}, headers=SERVICE
    )
    assert queue.status_code == 200, queue.text
    assert [o["order_id"] for o in queue.json()["items"]] == [
        placed[2]["order_id"],
        placed[1]["order_id"],
    ]
    first = await client.get(
        "/reward-orders", params={"item_id": item["id"], "limit": 2}, headers=SERVICE
    )
    rest = await client.get(
        "/reward-orders",
        params={"item_id": item["id"], "limit": 2, "cursor": first.json()["next_cursor"]},
        headers=SERVICE,
    )
    assert [o["status"] for o in first.json()["items"] + rest.json()["items"]] == [
        "placed",
        "placed",
        "fulfilled",
    ]
    assert rest.json()["next_cursor"] is None
    problem(await client.get("/reward-orders", headers=member_headers(member_id)), 403)
    problem(await client.get("/reward-orders", params={"status": "lost"}, headers=SERVICE), 422)
