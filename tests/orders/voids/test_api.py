"""``POST /purchases/{purchase_id}/void`` over the real app."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from shared.db import Sessions
from tests.orders.conftest import (
    TOTAL,
    KnownMember,
    StoreKey,
    events_of,
    footprint,
    is_problem,
    new_key,
    new_store,
    post_sale,
)

CARD_AND_CASH = [{"kind": "card", "amount_fen": 30_000}, {"kind": "cash", "amount_fen": 20_000}]


async def test_a_void_refunds_every_tender_and_is_published_once(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member, tenders=CARD_AND_CASH)
    void = f"/purchases/{sale['id']}/void"
    key = new_key()

    response = await client.post(
        void, json={"reason": "rung up twice"}, headers=store.headers | key
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["refunds"] == [
        {"kind": "card", "amount_fen": 30_000, "paid_out": True},
        {"kind": "cash", "amount_fen": TOTAL - 30_000, "paid_out": True},
    ]
    assert (body["total_fen"], body["paid_out_fen"], body["reason"]) == (
        TOTAL,
        TOTAL,
        "rung up twice",
    )
    replay = await client.post(void, json={"reason": "rung up twice"}, headers=store.headers | key)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == body
    again = await client.post(void, json={}, headers=store.headers | new_key())
    assert is_problem(again, 409)["type"] == "urn:huiyuan:problem:purchase-voided"

    [voided] = await events_of(orders_sessions, member, "orders.purchase.voided")
    assert voided["purchase_id"] == sale["id"]
    assert (voided["total_fen"], voided["refunds"]) == (TOTAL, body["refunds"])
    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    assert read.json()["voided_at"] is not None
    returned = await client.post(
        f"/purchases/{sale['id']}/returns", json={"all": True}, headers=store.headers | new_key()
    )
    assert is_problem(returned, 409)["type"] == "urn:huiyuan:problem:purchase-voided"


async def test_a_sale_returned_in_part_cannot_be_voided(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    returned = await client.post(
        f"/purchases/{sale['id']}/returns",
        json={"lines": [{"line_no": 2, "quantity": 1}]},
        headers=store.headers | new_key(),
    )
    assert returned.status_code == 201
    before = await footprint(orders_sessions, store, member)

    response = await client.post(
        f"/purchases/{sale['id']}/void", json={}, headers=store.headers | new_key()
    )

    refused = is_problem(response, 409)
    assert refused["type"] == "urn:huiyuan:problem:purchase-has-returns"
    left = sale["total_fen"] - returned.json()["amount_fen"]
    assert f"return the {left} fen left instead" in refused["detail"]
    assert await footprint(orders_sessions, store, member) == before


async def test_a_sale_returned_whole_cannot_be_voided_and_says_nothing_is_left(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    returned = await client.post(
        f"/purchases/{sale['id']}/returns", json={"all": True}, headers=store.headers | new_key()
    )
    assert returned.status_code == 201

    response = await client.post(
        f"/purchases/{sale['id']}/void", json={}, headers=store.headers | new_key()
    )

    refused = is_problem(response, 409)
    assert refused["type"] == "urn:huiyuan:problem:purchase-has-returns"
    assert refused["detail"].endswith("nothing of it is left")


async def test_a_sale_of_an_earlier_business_day_cannot_be_voided(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    sale = await post_sale(client, store, member, purchased_at=two_days_ago)
    before = await footprint(orders_sessions, store, member)

    response = await client.post(
        f"/purchases/{sale['id']}/void", json={}, headers=store.headers | new_key()
    )

    refused = is_problem(response, 409)
    assert refused["type"] == "urn:huiyuan:problem:void-window-closed"
    assert "its business day" in refused["detail"]
    assert await footprint(orders_sessions, store, member) == before
    assert await events_of(orders_sessions, member, "orders.purchase.voided") == []


async def test_a_store_voids_only_its_own_sales(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    other = await new_store(orders_sessions, "Another store")
    for purchase_id, who in ((sale["id"], other), (str(uuid.uuid4()), store)):
        response = await client.post(
            f"/purchases/{purchase_id}/void", json={}, headers=who.headers | new_key()
        )
        assert is_problem(response, 404)["type"] == "urn:huiyuan:problem:purchase-not-found"
    bad = await client.post(
        f"/purchases/{sale['id']}/void", json={"reason": "a\nb"}, headers=store.headers | new_key()
    )
    assert is_problem(bad, 422)["errors"][0]["location"] == "body.reason"
    assert await events_of(orders_sessions, member, "orders.purchase.voided") == []


async def test_a_void_without_a_body_is_a_void_without_a_reason(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member, tenders=CARD_AND_CASH)
    void = f"/purchases/{sale['id']}/void"
    key = new_key()

    response = await client.post(void, headers=store.headers | key)

    assert response.status_code == 201, response.text
    assert (response.json()["reason"], response.json()["paid_out_fen"]) == (None, TOTAL)
    # the same key with `{}` is the same request: replayed, not a conflict
    replay = await client.post(void, json={}, headers=store.headers | key)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(await events_of(orders_sessions, member, "orders.purchase.voided")) == 1
    not_json = await client.post(
        void,
        content=b"rung up twice",
        headers=store.headers | new_key() | {"content-type": "text/plain"},
    )
    assert is_problem(not_json, 415)["type"] == "urn:huiyuan:problem:unsupported-media-type"
