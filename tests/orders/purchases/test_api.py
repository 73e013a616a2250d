"""``POST /purchases`` and reading sales back, over the real app."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import col

from services.orders.directory.models import Member
from shared.db import Sessions, transaction
from tests.orders.conftest import (
    LINES,
    TOTAL,
    KnownMember,
    StoreKey,
    events_of,
    footprint,
    is_problem,
    new_key,
    new_store,
    post_sale,
    register,
)
from tests.stack import Stack


async def test_sale_by_card_number_records_it_and_queues_one_event(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)

    assert sale["member_id"] == str(member.member_id)
    assert sale["store_id"] == str(store.store_id)
    assert sale["total_fen"] == TOTAL
    assert [(line["line_no"], line["amount_fen"]) for line in sale["lines"]] == [
        (1, 39800),
        (2, 5900),
    ]
    events = await events_of(orders_sessions, member, "orders.purchase.completed")
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
        headers=store.headers | new_key(),
    )
    assert response.status_code == 201, response.text
    assert response.json()["member_id"] == str(member.member_id)
    events = await events_of(orders_sessions, member, "orders.purchase.completed")
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
        headers=store.headers | new_key(),
    )
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["purchased_at"]) == yesterday
    assert response.json()["receipt_no"] == "R-1"


async def test_a_retry_with_the_same_key_replays_the_first_answer(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    body = {"card_number": member.card_number, "lines": LINES}
    headers = store.headers | new_key()

    first = await client.post("/purchases", json=body, headers=headers)
    again = await client.post("/purchases", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await footprint(orders_sessions, store, member) == (1, 0, 1, 1)


async def test_the_same_key_with_another_body_is_refused(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    headers = store.headers | new_key()
    body = {"card_number": member.card_number, "lines": LINES}
    assert (await client.post("/purchases", json=body, headers=headers)).status_code == 201

    changed = await client.post("/purchases", json=body | {"lines": LINES[:1]}, headers=headers)

    assert "different request body" in is_problem(changed, 422)["detail"]
    assert await footprint(orders_sessions, store, member) == (1, 0, 1, 1)


def _sale(member: KnownMember, **changes: Any) -> dict[str, Any]:
    return {"card_number": member.card_number, "lines": LINES} | changes


def _line(**changes: Any) -> list[dict[str, Any]]:
    return [LINES[0] | changes]


Request = Callable[[StoreKey, KnownMember], dict[str, Any]]
BAD_SALES: list[tuple[str, Request, int, str]] = [
    (
        "unknown member",
        lambda s, m: {"json": _sale(m, card_number="0000"), "headers": s.headers | new_key()},
        422,
        "card_number '0000' is known",
    ),
    (
        "quantity 0",
        lambda s, m: {"json": _sale(m, lines=_line(quantity=0)), "headers": s.headers | new_key()},
        422,
        "body.lines.0.quantity",
    ),
    (
        "negative quantity",
        lambda s, m: {"json": _sale(m, lines=_line(quantity=-2)), "headers": s.headers | new_key()},
        422,
        "body.lines.0.quantity",
    ),
    (
        "fractional price",
        lambda s, m: {
            "json": _sale(m, lines=_line(unit_price_fen=99.5)),
            "headers": s.headers | new_key(),
        },
        422,
        "unit_price_fen",
    ),
    (
        "a client total",
        lambda s, m: {"json": _sale(m, total_fen=1), "headers": s.headers | new_key()},
        422,
        "total_fen",
    ),
    (
        "two member references",
        lambda s, m: {
            "json": _sale(m, member_id=str(m.member_id)),
            "headers": s.headers | new_key(),
        },
        422,
        "only one of member_id, card_number or phone: member_id and card_number were given",
    ),
    (
        "purchased in the future",
        lambda s, m: {
            "json": _sale(m, purchased_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()),
            "headers": s.headers | new_key(),
        },
        422,
        "body.purchased_at: must not be later than now",
    ),
    (
        "malformed JSON",
        lambda s, m: {
            "content": b'{"card_number": ',
            "headers": s.headers | new_key() | {"Content-Type": "application/json"},
        },
        422,
        "JSON",
    ),
    ("missing store key", lambda s, m: {"json": _sale(m), "headers": new_key()}, 401, "X-API-Key"),
    (
        "unknown store key",
        lambda s, m: {"json": _sale(m), "headers": {"X-API-Key": "hy_nope"} | new_key()},
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
    before = await footprint(orders_sessions, store, member)

    response = await client.post("/purchases", **request_for(store, member))

    assert mentions in is_problem(response, status)["detail"]
    if status == 401:
        assert "X-API-Key" in response.headers["WWW-Authenticate"]
    assert await footprint(orders_sessions, store, member) == before


async def test_unknown_member_mentions_the_registration_delay(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    response = await client.post(
        "/purchases",
        json={"phone": "13900000000", "lines": LINES},
        headers=store.headers | new_key(),
    )
    detail = is_problem(response, 422)["detail"]
    assert "phone" in detail
    assert "within about a second" in detail
    assert "13900000000" not in detail


async def test_another_store_can_neither_read_nor_return_a_sale(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    other = await new_store(orders_sessions, "Other store")
    mine_before = await footprint(orders_sessions, store, member)
    theirs_before = await footprint(orders_sessions, other, member)

    read = await client.get(f"/purchases/{sale['id']}", headers=other.headers)
    returned = await client.post(
        f"/purchases/{sale['id']}/returns", json={"all": True}, headers=other.headers | new_key()
    )
    listed = await client.get("/purchases", headers=other.headers)

    is_problem(read, 404)
    is_problem(returned, 404)
    assert listed.json()["items"] == []
    assert await footprint(orders_sessions, store, member) == mine_before
    assert await footprint(orders_sessions, other, member) == theirs_before


async def test_a_store_lists_its_own_sales_newest_first_by_pages(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    older = await post_sale(client, store, member)
    newer = await post_sale(client, store, member)

    first = await client.get("/purchases", params={"limit": 1}, headers=store.headers)
    cursor = first.json()["next_cursor"]
    second = await client.get(
        "/purchases", params={"limit": 1, "cursor": cursor}, headers=store.headers
    )

    assert [item["id"] for item in first.json()["items"]] == [newer["id"]]
    assert [item["id"] for item in second.json()["items"]] == [older["id"]]
    assert second.json()["next_cursor"] is None
    is_problem(
        await client.get("/purchases", params={"cursor": "junk"}, headers=store.headers), 422
    )


async def test_an_unknown_purchase_is_404(client: httpx.AsyncClient, store: StoreKey) -> None:
    missing = uuid.uuid4()
    response = await client.get(f"/purchases/{missing}", headers=store.headers)
    body = is_problem(response, 404)
    assert body["type"] == "urn:huiyuan:problem:purchase-not-found"
    assert str(missing) in body["detail"]


@pytest.mark.parametrize(
    ("typed", "whose"),
    [
        ("+1 312 555 0147", "us"),
        ("+1 (312) 555-0147", "us"),
        ("0013125550147", "us"),
        ("131 2555 0147", "mainland"),
        ("13125550147", "mainland"),
        ("+86 131-2555-0147", "mainland"),
        ("008613125550147", "mainland"),
        ("１３１２５５５０１４７", "mainland"),
    ],
)
async def test_a_sale_by_phone_finds_the_member_however_the_number_is_typed(
    stack: Stack,
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    typed: str,
    whose: str,
) -> None:
    """+1 312 555 0147 used to be stored as the mainland 13125550147: its owner's till
    sales credited the other member."""
    members = {
        "us": await register(stack, orders_sessions, "+1 312 555 0147"),
        "mainland": await register(stack, orders_sessions, "13125550147"),
    }
    try:
        response = await client.post(
            "/purchases", json={"phone": typed, "lines": LINES}, headers=store.headers | new_key()
        )
        assert response.status_code == 201, response.text
        assert response.json()["member_id"] == str(members[whose].member_id)
    finally:  # the next case registers the same numbers again
        async with transaction(orders_sessions) as session:
            await session.execute(
                delete(Member).where(
                    col(Member.member_id).in_([m.member_id for m in members.values()])
                )
            )
