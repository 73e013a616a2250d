from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.orders.models import (
    Purchase,
    PurchaseLine,
    PurchaseReturn,
    Store,
    idempotency,
    outbox,
)
from shared.auth import hash_api_key
from shared.db import Sessions
from shared.errors import PROBLEM_JSON
from tests.orders.conftest import KnownMember, StoreKey, new_store
from tests.stack import staff_headers

LINES = [
    {"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900},
    {"sku": "CO-117", "category": "cosmetics", "quantity": 1, "unit_price_fen": 5900},
]
TOTAL = 2 * 19900 + 5900


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def _post_sale(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> dict[str, Any]:
    response = await client.post(
        "/purchases",
        json={"card_number": member.card_number, "lines": LINES},
        headers=store.headers | _key(),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _events(sessions: Sessions, member: KnownMember, event_type: str) -> list[dict[str, Any]]:
    table = outbox.table
    async with sessions() as session:
        envelopes = await session.scalars(
            select(table.c.envelope)
            .where(table.c.key == str(member.member_id), table.c.event_type == event_type)
            .order_by(table.c.seq)
        )
        return [envelope["data"] for envelope in envelopes]


async def _footprint(sessions: Sessions, store: StoreKey, member: KnownMember) -> tuple[int, ...]:
    """Rows this store or member could have left behind."""
    keys = idempotency.table
    async with sessions() as session:
        purchases = await session.scalar(
            select(func.count()).select_from(Purchase).where(Purchase.store_id == store.store_id)  # type: ignore[arg-type]
        )
        returns = await session.scalar(
            select(func.count())
            .select_from(PurchaseReturn)
            .join(Purchase, Purchase.id == PurchaseReturn.purchase_id)  # type: ignore[arg-type]
            .where(Purchase.store_id == store.store_id)  # type: ignore[arg-type]
        )
        key_rows = await session.scalar(
            select(func.count()).select_from(keys).where(keys.c.scope == f"store:{store.store_id}")
        )
        events = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.key == str(member.member_id))
        )
    return (purchases or 0, returns or 0, key_rows or 0, events or 0)


def _is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_sale_by_card_number_records_it_and_queues_one_event(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await _post_sale(client, store, member)

    assert sale["member_id"] == str(member.member_id)
    assert sale["store_id"] == str(store.store_id)
    assert sale["total_fen"] == TOTAL
    assert [(line["line_no"], line["amount_fen"]) for line in sale["lines"]] == [
        (1, 39800),
        (2, 5900),
    ]
    events = await _events(orders_sessions, member, "orders.purchase.completed")
    assert len(events) == 1
    assert events[0]["purchase_id"] == sale["id"]
    assert events[0]["total_fen"] == TOTAL
    assert [line["line_no"] for line in events[0]["lines"]] == [1, 2]
    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    assert read.status_code == 200
    assert read.json() == sale


async def test_sale_by_phone_finds_the_member_by_its_hash(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    response = await client.post(
        "/purchases",
        json={"phone": f"+86 {member.phone}", "lines": LINES[:1]},
        headers=store.headers | _key(),
    )
    assert response.status_code == 201, response.text
    assert response.json()["member_id"] == str(member.member_id)
    events = await _events(orders_sessions, member, "orders.purchase.completed")
    assert [event["total_fen"] for event in events] == [39800]


async def test_sale_by_member_id_keeps_the_given_time_and_receipt(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    response = await client.post(
        "/purchases",
        json={
            "member_id": str(member.member_id),
            "lines": LINES,
            "purchased_at": yesterday.isoformat(),
            "receipt_no": "R-1",
        },
        headers=store.headers | _key(),
    )
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["purchased_at"]) == yesterday
    assert response.json()["receipt_no"] == "R-1"


async def test_a_retry_with_the_same_key_replays_the_first_answer(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    body = {"card_number": member.card_number, "lines": LINES}
    headers = store.headers | _key()

    first = await client.post("/purchases", json=body, headers=headers)
    again = await client.post("/purchases", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await _footprint(orders_sessions, store, member) == (1, 0, 1, 1)


async def test_the_same_key_with_another_body_is_refused(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    headers = store.headers | _key()
    body = {"card_number": member.card_number, "lines": LINES}
    assert (await client.post("/purchases", json=body, headers=headers)).status_code == 201

    changed = await client.post("/purchases", json=body | {"lines": LINES[:1]}, headers=headers)

    assert "different request body" in _is_problem(changed, 422)["detail"]
    assert await _footprint(orders_sessions, store, member) == (1, 0, 1, 1)


async def test_partial_return_then_the_rest(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await _post_sale(client, store, member)
    returns = f"/purchases/{sale['id']}/returns"

    partial = await client.post(
        returns, json={"lines": [{"line_no": 1, "quantity": 1}]}, headers=store.headers | _key()
    )
    assert partial.status_code == 201, partial.text
    assert partial.json()["amount_fen"] == 19900
    rest = await client.post(returns, json={"all": True}, headers=store.headers | _key())
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount_fen"] == TOTAL - 19900
    assert [(line["line_no"], line["quantity"]) for line in rest.json()["lines"]] == [
        (1, 1),
        (2, 1),
    ]

    again = await client.post(returns, json={"all": True}, headers=store.headers | _key())
    assert "returned in full" in _is_problem(again, 422)["detail"]
    events = await _events(orders_sessions, member, "orders.purchase.returned")
    assert [(e["amount_fen"], e["purchase_total_fen"]) for e in events] == [
        (19900, TOTAL),
        (TOTAL - 19900, TOTAL),
    ]
    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    assert [line["returned_quantity"] for line in read.json()["lines"]] == [2, 1]


async def test_returning_more_than_was_bought_is_refused(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await _post_sale(client, store, member)
    before = await _footprint(orders_sessions, store, member)

    response = await client.post(
        f"/purchases/{sale['id']}/returns",
        json={"lines": [{"line_no": 1, "quantity": 3}]},
        headers=store.headers | _key(),
    )

    assert "only 2 of 2" in _is_problem(response, 422)["detail"]
    assert await _footprint(orders_sessions, store, member) == before
    async with orders_sessions() as session:
        line = await session.get(PurchaseLine, (uuid.UUID(sale["id"]), 1))
        assert line is not None
        assert line.returned_quantity == 0


def _sale(member: KnownMember, **changes: Any) -> dict[str, Any]:
    return {"card_number": member.card_number, "lines": LINES} | changes


def _line(**changes: Any) -> list[dict[str, Any]]:
    return [LINES[0] | changes]


Request = Callable[[StoreKey, KnownMember], dict[str, Any]]
BAD_SALES: list[tuple[str, Request, int, str]] = [
    (
        "unknown member",
        lambda s, m: {"json": _sale(m, card_number="0000"), "headers": s.headers | _key()},
        422,
        "card_number '0000' is known",
    ),
    (
        "quantity 0",
        lambda s, m: {"json": _sale(m, lines=_line(quantity=0)), "headers": s.headers | _key()},
        422,
        "body.lines.0.quantity",
    ),
    (
        "negative quantity",
        lambda s, m: {"json": _sale(m, lines=_line(quantity=-2)), "headers": s.headers | _key()},
        422,
        "body.lines.0.quantity",
    ),
    (
        "fractional price",
        lambda s, m: {
            "json": _sale(m, lines=_line(unit_price_fen=99.5)),
            "headers": s.headers | _key(),
        },
        422,
        "unit_price_fen",
    ),
    (
        "a client total",
        lambda s, m: {"json": _sale(m, total_fen=1), "headers": s.headers | _key()},
        422,
        "total_fen",
    ),
    (
        "two member references",
        lambda s, m: {"json": _sale(m, member_id=str(m.member_id)), "headers": s.headers | _key()},
        422,
        "exactly one of",
    ),
    (
        "purchased in the future",
        lambda s, m: {
            "json": _sale(m, purchased_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()),
            "headers": s.headers | _key(),
        },
        422,
        "in the future",
    ),
    (
        "malformed JSON",
        lambda s, m: {
            "content": b'{"card_number": ',
            "headers": s.headers | _key() | {"Content-Type": "application/json"},
        },
        422,
        "JSON",
    ),
    ("missing store key", lambda s, m: {"json": _sale(m), "headers": _key()}, 401, "X-API-Key"),
    (
        "unknown store key",
        lambda s, m: {"json": _sale(m), "headers": {"X-API-Key": "hy_nope"} | _key()},
        401,
        "X-API-Key",
    ),
    (
        "missing Idempotency-Key",
        lambda s, m: {"json": _sale(m), "headers": s.headers},
        422,
        "Idempotency-Key",
    ),
]


@pytest.mark.parametrize(
    ("request_for", "status", "mentions"),
    [case[1:] for case in BAD_SALES],
    ids=[case[0] for case in BAD_SALES],
)
async def test_bad_sales_are_problems_and_write_nothing(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
    request_for: Request,
    status: int,
    mentions: str,
) -> None:
    before = await _footprint(orders_sessions, store, member)

    response = await client.post("/purchases", **request_for(store, member))

    assert mentions in _is_problem(response, status)["detail"]
    if status == 401:
        assert "X-API-Key" in response.headers["WWW-Authenticate"]
    assert await _footprint(orders_sessions, store, member) == before


async def test_unknown_member_mentions_the_registration_delay(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    response = await client.post(
        "/purchases",
        json={"phone": "13900000000", "lines": LINES},
        headers=store.headers | _key(),
    )
    detail = _is_problem(response, 422)["detail"]
    assert "phone" in detail
    assert "within about a second" in detail
    assert "13900000000" not in detail


async def test_another_store_can_neither_read_nor_return_a_sale(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await _post_sale(client, store, member)
    other = await new_store(orders_sessions, "Other store")
    mine_before = await _footprint(orders_sessions, store, member)
    theirs_before = await _footprint(orders_sessions, other, member)

    read = await client.get(f"/purchases/{sale['id']}", headers=other.headers)
    returned = await client.post(
        f"/purchases/{sale['id']}/returns", json={"all": True}, headers=other.headers | _key()
    )
    listed = await client.get("/purchases", headers=other.headers)

    _is_problem(read, 404)
    _is_problem(returned, 404)
    assert listed.json()["items"] == []
    assert await _footprint(orders_sessions, store, member) == mine_before
    assert await _footprint(orders_sessions, other, member) == theirs_before


async def test_bad_returns_are_problems_and_write_nothing(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await _post_sale(client, store, member)
    url = f"/purchases/{sale['id']}/returns"
    before = await _footprint(orders_sessions, store, member)
    cases: list[tuple[dict[str, Any], dict[str, str], int]] = [
        ({"lines": [{"line_no": 9, "quantity": 1}]}, store.headers | _key(), 422),
        ({"lines": [{"line_no": 1, "quantity": 0}]}, store.headers | _key(), 422),
        ({"lines": []}, store.headers | _key(), 422),
        ({"all": True, "lines": [{"line_no": 1, "quantity": 1}]}, store.headers | _key(), 422),
        ({"all": True}, store.headers, 422),
        ({"all": True}, _key(), 401),
    ]
    for body, headers, status in cases:
        _is_problem(await client.post(url, json=body, headers=headers), status)
    _is_problem(
        await client.post(
            f"/purchases/{uuid.uuid4()}/returns", json={"all": True}, headers=store.headers | _key()
        ),
        404,
    )
    assert await _footprint(orders_sessions, store, member) == before


async def test_a_store_lists_its_own_sales_newest_first_by_pages(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    older = await _post_sale(client, store, member)
    newer = await _post_sale(client, store, member)

    first = await client.get("/purchases", params={"limit": 1}, headers=store.headers)
    cursor = first.json()["next_cursor"]
    second = await client.get(
        "/purchases", params={"limit": 1, "cursor": cursor}, headers=store.headers
    )

    assert [item["id"] for item in first.json()["items"]] == [newer["id"]]
    assert [item["id"] for item in second.json()["items"]] == [older["id"]]
    assert second.json()["next_cursor"] is None
    _is_problem(
        await client.get("/purchases", params={"cursor": "junk"}, headers=store.headers), 422
    )


async def test_an_admin_registers_a_store_and_its_key_works(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    created = await client.post("/stores", json={"name": "静安店"}, headers=staff_headers())
    assert created.status_code == 201, created.text
    api_key = created.json()["api_key"]

    listed = await client.get("/purchases", headers={"X-API-Key": api_key})

    assert listed.status_code == 200
    async with orders_sessions() as session:
        stored = await session.get(Store, uuid.UUID(created.json()["id"]))
        assert stored is not None
        assert stored.api_key_hash == hash_api_key(api_key)
    refused = await client.post("/stores", json={"name": "x"}, headers=staff_headers("marketing"))
    _is_problem(refused, 403)


async def test_every_endpoint_documents_an_example(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    for name in ("StoreCreate", "StoreCreated", "PurchaseCreate", "PurchaseOut", "PurchasePage"):
        assert components[name]["examples"], name
    assert components["ReturnCreate"]["examples"]
    assert components["ReturnOut"]["examples"]
    assert "X-API-Key" in str(schema["components"]["securitySchemes"])
