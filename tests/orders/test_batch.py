"""``POST /purchases:batch``: each sale recorded or refused on its own, one commit."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from services.orders.models import Purchase, idempotency, outbox
from services.orders.schemas import MAX_BATCH_SALES
from shared.db import Sessions
from shared.errors import PROBLEM_JSON
from tests.orders.conftest import KnownMember, StoreKey

LINE = {"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900}


def _sale(member: KnownMember, **changes: Any) -> dict[str, Any]:
    return (
        {"idempotency_key": uuid.uuid4().hex, "card_number": member.card_number}
        | {"lines": [LINE]}
        | changes
    )


async def _post(
    client: httpx.AsyncClient, store: StoreKey, sales: list[dict[str, Any]]
) -> httpx.Response:
    return await client.post("/purchases:batch", json={"sales": sales}, headers=store.headers)


async def _written(sessions: Sessions, store: StoreKey) -> tuple[int, int, Counter[str]]:
    """The store's purchases, its idempotency keys, and completed events per purchase id."""
    async with sessions() as session:
        purchase_ids = {
            str(purchase_id)
            for purchase_id in await session.scalars(
                select(col(Purchase.id)).where(col(Purchase.store_id) == store.store_id)
            )
        }
        keys = await session.scalar(
            select(func.count())
            .select_from(idempotency.table)
            .where(idempotency.table.c.scope == f"store:{store.store_id}")
        )
        envelopes = await session.scalars(
            select(outbox.table.c.envelope).where(
                outbox.table.c.event_type == "orders.purchase.completed",
                outbox.table.c.envelope["data"]["store_id"].astext == str(store.store_id),
            )
        )
        events = Counter(str(envelope["data"]["purchase_id"]) for envelope in envelopes)
    assert set(events) <= purchase_ids, "an event for a purchase that was not stored"
    return len(purchase_ids), keys or 0, events


async def test_valid_sales_are_stored_and_invalid_ones_reported_by_index(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    sales = [
        _sale(member),
        _sale(member, card_number="0000"),
        _sale(member, lines=[LINE | {"quantity": 0}]),
        _sale(member, card_number=None, member_id=str(member.member_id), receipt_no="R-9"),
        {"card_number": member.card_number, "lines": [LINE]},
    ]

    response = await _post(client, store, sales)

    assert response.status_code == 200, response.text
    body = response.json()
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == [201, 422, 422, 201, 422]
    assert (body["accepted"], body["replayed"], body["rejected"]) == (2, 0, 3)
    assert [r["idempotency_key"] for r in results[:4]] == [s["idempotency_key"] for s in sales[:4]]
    unknown, bad_quantity, keyless = results[1]["error"], results[2]["error"], results[4]["error"]
    assert unknown["index"] == 1
    assert unknown["title"] == "Unknown member"
    assert "card_number '0000'" in unknown["detail"]
    assert unknown["errors"][0]["location"] == "body.sales.1.card_number"
    assert bad_quantity["index"] == 2
    assert bad_quantity["status"] == 422
    assert "body.sales.2.lines.0.quantity" in bad_quantity["detail"]
    assert keyless["index"] == 4
    assert "body.sales.4.idempotency_key" in keyless["detail"]
    stored = [results[0]["purchase"], results[3]["purchase"]]
    assert [p["member_id"] for p in stored] == [str(member.member_id)] * 2
    assert [p["total_fen"] for p in stored] == [39800, 39800]
    assert stored[1]["receipt_no"] == "R-9"
    for purchase in stored:
        read = await client.get(f"/purchases/{purchase['id']}", headers=store.headers)
        assert read.json() == purchase
    purchases, keys, events = await _written(orders_sessions, store)
    assert (purchases, keys) == (2, 2)
    assert events == Counter({purchase["id"]: 1 for purchase in stored})


async def test_sending_the_batch_again_replays_it_and_creates_nothing(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    sales = [_sale(member), _sale(member, card_number="0000"), _sale(member, receipt_no="R-2")]
    first = await _post(client, store, sales)
    written = await _written(orders_sessions, store)

    again = await _post(client, store, sales)

    assert again.status_code == first.status_code == 200
    before, after = first.json()["results"], again.json()["results"]
    assert [(r["status"], r["purchase"], r["error"]) for r in after] == [
        (r["status"], r["purchase"], r["error"]) for r in before
    ]
    assert [r["replayed"] for r in before] == [False, False, False]
    assert [r["replayed"] for r in after] == [True, False, True]
    assert (again.json()["accepted"], again.json()["replayed"], again.json()["rejected"]) == (
        0,
        2,
        1,
    )
    assert await _written(orders_sessions, store) == written
    assert written[0] == 2


async def test_a_key_used_by_a_single_post_replays_inside_a_batch(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    single = _sale(member)
    key = single.pop("idempotency_key")
    posted = await client.post(
        "/purchases", json=single, headers=store.headers | {"Idempotency-Key": key}
    )
    assert posted.status_code == 201, posted.text
    fresh = _sale(member)

    response = await _post(
        client,
        store,
        [
            single | {"idempotency_key": key},
            fresh,
            fresh,  # the same key twice in one batch counts once
            single | {"idempotency_key": key, "lines": [LINE | {"quantity": 1}]},
        ],
    )

    results = response.json()["results"]
    assert [(r["status"], r["replayed"]) for r in results[:3]] == [
        (201, True),
        (201, False),
        (201, True),
    ]
    assert results[0]["purchase"] == posted.json()
    assert results[2]["purchase"] == results[1]["purchase"]
    assert results[3]["status"] == 422
    assert "different request body" in results[3]["error"]["detail"]
    purchases, keys, events = await _written(orders_sessions, store)
    assert (purchases, keys) == (2, 2)
    assert events == Counter({posted.json()["id"]: 1, results[1]["purchase"]["id"]: 1})


async def test_more_sales_than_the_limit_are_refused_whole(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    sales = [_sale(member) for _ in range(MAX_BATCH_SALES + 1)]

    response = await _post(client, store, sales)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert f"at most {MAX_BATCH_SALES}" in response.json()["detail"]
    assert await _written(orders_sessions, store) == (0, 0, Counter())


async def test_a_batch_needs_the_store_key(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    response = await client.post("/purchases:batch", json={"sales": [_sale(member)]})

    assert response.status_code == 401
    assert "X-API-Key" in response.headers["WWW-Authenticate"]
    assert await _written(orders_sessions, store) == (0, 0, Counter())
