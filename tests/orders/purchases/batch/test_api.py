"""``POST /purchases:batch``: each sale recorded or refused on its own, one commit."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from services.orders.base import idempotency, outbox
from services.orders.purchases import service
from services.orders.purchases.batch.schemas import MAX_BATCH_SALES
from services.orders.purchases.models import Purchase
from services.orders.purchases.schemas import PurchaseCreate
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.errors import PROBLEM_JSON
from shared.idempotency import Outcome, RequestInProgress, identify
from tests.orders.conftest import KnownMember, StoreKey
from tests.stack import Stack

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


async def test_a_mixed_batch_answers_each_sale_as_a_single_post_would(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    single = _sale(member, receipt_no="R-single")
    single_key = single.pop("idempotency_key")
    headers = store.headers | {"Idempotency-Key": single_key}
    posted = await client.post("/purchases", json=single, headers=headers)
    assert posted.status_code == 201, posted.text
    unknown_card = {"card_number": "0000-none", "lines": [LINE]}
    unknown_phone = {"phone": "13900000000", "lines": [LINE]}
    unknown_id = {"member_id": str(uuid.uuid4()), "lines": [LINE]}
    refused_singly = [
        await client.post(
            "/purchases", json=body, headers=store.headers | {"Idempotency-Key": uuid.uuid4().hex}
        )
        for body in (unknown_card, unknown_phone, unknown_id)
    ]
    by_phone, by_id, repeated, retried = (
        _sale(member, card_number=None, phone=member.phone),
        _sale(member, card_number=None, member_id=str(member.member_id)),
        _sale(member, receipt_no="R-twice"),
        _sale(member, card_number="0000-none"),
    )
    sales = [
        by_phone,  # 0 new
        single | {"idempotency_key": single_key},  # 1 replays the single post
        {"idempotency_key": uuid.uuid4().hex, **unknown_card},  # 2
        {"idempotency_key": uuid.uuid4().hex, **unknown_phone},  # 3
        {"idempotency_key": uuid.uuid4().hex, **unknown_id},  # 4
        repeated,  # 5 new
        repeated,  # 6 replays 5
        repeated | {"receipt_no": "R-other"},  # 7 same key as 5, another body
        single | {"idempotency_key": single_key, "receipt_no": "R-changed"},  # 8
        retried,  # 9 refused: its key stays unused
        retried | {"card_number": member.card_number},  # 10 the same key, now recorded
        by_id,  # 11 new
    ]

    response = await _post(client, store, sales)

    assert response.status_code == 200, response.text
    body = response.json()
    results = body["results"]
    assert [(r["index"], r["status"], r["replayed"]) for r in results] == [
        (0, 201, False),
        (1, 201, True),
        (2, 422, False),
        (3, 422, False),
        (4, 422, False),
        (5, 201, False),
        (6, 201, True),
        (7, 422, False),
        (8, 422, False),
        (9, 422, False),
        (10, 201, False),
        (11, 201, False),
    ]
    assert [r["idempotency_key"] for r in results] == [s["idempotency_key"] for s in sales]
    assert (body["accepted"], body["replayed"], body["rejected"]) == (4, 2, 6)
    assert results[1]["purchase"] == posted.json()
    assert results[6]["purchase"] == results[5]["purchase"]
    for index, single_refusal in zip((2, 3, 4), refused_singly, strict=True):
        error, expected = results[index]["error"], single_refusal.json()
        assert single_refusal.status_code == 422
        assert (error["title"], error["detail"]) == (expected["title"], expected["detail"])
        assert error["errors"][0]["location"] == expected["errors"][0]["location"].replace(
            "body.", f"body.sales.{index}."
        )
    assert "13900000000" not in results[3]["error"]["detail"]
    for index in (7, 8):
        assert results[index]["error"]["title"] == "Idempotency key reused"
        assert "different request body" in results[index]["error"]["detail"]
    assert [results[i]["purchase"]["member_id"] for i in (0, 5, 10, 11)] == [
        str(member.member_id)
    ] * 4
    new = {results[i]["purchase"]["id"] for i in (0, 5, 10, 11)}
    purchases, keys, events = await _written(orders_sessions, store)
    assert (purchases, keys) == (5, 5)
    assert events == Counter({posted.json()["id"]: 1} | dict.fromkeys(new, 1))


async def test_a_key_first_used_in_a_batch_replays_to_a_single_post(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    sale = _sale(member, receipt_no="R-batch", lines=[LINE, LINE | {"sku": "CO-117"}])
    batch = await _post(client, store, [sale])
    recorded = batch.json()["results"][0]["purchase"]
    key = sale.pop("idempotency_key")
    headers = store.headers | {"Idempotency-Key": key}

    replays = [await client.post("/purchases", json=sale, headers=headers) for _ in range(2)]
    changed = await client.post("/purchases", json=sale | {"receipt_no": "R-x"}, headers=headers)

    for replay in replays:
        assert replay.status_code == 201
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json() == recorded
        assert list(replay.json()) == list(recorded)
    assert replays[0].content == replays[1].content
    assert changed.status_code == 422
    read = await client.get(f"/purchases/{recorded['id']}", headers=store.headers)
    assert read.json() == recorded
    assert recorded["total_fen"] == 39800 + 39800
    assert await _written(orders_sessions, store) == (1, 1, Counter({recorded["id"]: 1}))


async def test_a_key_in_flight_elsewhere_is_409_for_its_sale_only(
    stack: Stack,
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    busy, fresh = _sale(member), _sale(member)
    started, release = asyncio.Event(), asyncio.Event()
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    sent = {k: v for k, v in busy.items() if k != "idempotency_key"}  # as a single post
    single = PurchaseCreate.model_validate(sent)

    async def first_post() -> None:
        """A single post of ``busy``'s key, held while it records its sale."""
        async with transaction(orders_sessions) as session:

            async def record() -> Outcome:
                started.set()
                await release.wait()
                return await service.record_purchase(
                    session, cipher, store.store_id, single, sent=sent
                )

            await idempotency.run(
                session,
                scope=f"store:{store.store_id}",
                key=busy["idempotency_key"],
                request=identify(sent, single),
                retention=timedelta(days=7),
                action=record,
            )

    first = asyncio.create_task(first_post())
    await started.wait()
    try:  # it must not wait for the first
        response = await asyncio.wait_for(_post(client, store, [busy, fresh]), timeout=10)
    finally:
        release.set()
    await first
    again = await _post(client, store, [busy, fresh])

    results = response.json()["results"]
    assert [(r["status"], r["replayed"]) for r in results] == [(409, False), (201, False)]
    assert results[0]["error"]["title"] == RequestInProgress.title
    assert f"{busy['idempotency_key']!r} is still being processed" in results[0]["error"]["detail"]
    assert [(r["status"], r["replayed"]) for r in again.json()["results"]] == [
        (201, True),
        (201, True),
    ]
    assert again.json()["results"][1]["purchase"] == results[1]["purchase"]
    purchases, keys, events = await _written(orders_sessions, store)
    assert (purchases, keys, sum(events.values())) == (2, 2, 2)


async def test_an_unusable_idempotency_key_refuses_its_sale_alone(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    """A NUL in a sale's key used to reach PostgreSQL (500); a key must be what the
    Idempotency-Key header may be: 1 to 200 printable ASCII characters without spaces."""
    bad_keys = ["R-1\x00", "R 1", "R-\u00e9", "", "K" * 201, 42]
    sales = [_sale(member)] + [_sale(member) | {"idempotency_key": key} for key in bad_keys]

    response = await _post(client, store, sales)

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201] + [422] * len(bad_keys)
    for index, result in enumerate(results[1:], start=1):
        assert result["idempotency_key"] is None  # nothing unusable is echoed
        locations = [e["location"] for e in result["error"]["errors"]]
        assert locations == [f"body.sales.{index}.idempotency_key"]
    purchases, keys, _ = await _written(orders_sessions, store)
    assert (purchases, keys) == (1, 1)
