"""``POST /purchases/{purchase_id}/returns`` over the real app."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.orders.purchases.models import PurchaseLine
from shared.db import Sessions
from tests.orders.conftest import (
    TOTAL,
    KnownMember,
    StoreKey,
    events_of,
    footprint,
    is_problem,
    new_key,
    post_sale,
)


async def test_partial_return_then_the_rest(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    returns = f"/purchases/{sale['id']}/returns"

    partial = await client.post(
        returns, json={"lines": [{"line_no": 1, "quantity": 1}]}, headers=store.headers | new_key()
    )
    assert partial.status_code == 201, partial.text
    assert partial.json()["amount_fen"] == 19900
    rest = await client.post(returns, json={"all": True}, headers=store.headers | new_key())
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount_fen"] == TOTAL - 19900
    assert [(line["line_no"], line["quantity"]) for line in rest.json()["lines"]] == [
        (1, 1),
        (2, 1),
    ]

    again = await client.post(returns, json={"all": True}, headers=store.headers | new_key())
    refused = is_problem(again, 422)
    assert "returned in full" in refused["detail"]
    assert refused["type"] == "urn:huiyuan:problem:purchase-fully-returned"
    events = await events_of(orders_sessions, member, "orders.purchase.returned")
    assert [(e["amount_fen"], e["purchase_total_fen"]) for e in events] == [
        (19900, TOTAL),
        (TOTAL - 19900, TOTAL),
    ]
    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    assert [line["returned_quantity"] for line in read.json()["lines"]] == [2, 1]


async def test_returning_more_than_was_bought_is_refused(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    before = await footprint(orders_sessions, store, member)

    response = await client.post(
        f"/purchases/{sale['id']}/returns",
        json={"lines": [{"line_no": 1, "quantity": 3}]},
        headers=store.headers | new_key(),
    )

    refused = is_problem(response, 422)
    assert "only 2 of 2" in refused["detail"]
    assert refused["type"] == "urn:huiyuan:problem:return-exceeds-sold"
    assert refused["errors"][0]["location"] == "body.lines.0.quantity"
    assert await footprint(orders_sessions, store, member) == before
    async with orders_sessions() as session:
        line = await session.get(PurchaseLine, (uuid.UUID(sale["id"]), 1))
        assert line is not None
        assert line.returned_quantity == 0


async def test_bad_returns_are_problems_and_write_nothing(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    url = f"/purchases/{sale['id']}/returns"
    before = await footprint(orders_sessions, store, member)
    cases: list[tuple[dict[str, Any], dict[str, str], int]] = [
        ({"lines": [{"line_no": 9, "quantity": 1}]}, store.headers | new_key(), 422),
        ({"lines": [{"line_no": 1, "quantity": 1}] * 2}, store.headers | new_key(), 422),
        ({"lines": [{"line_no": 1, "quantity": 0}]}, store.headers | new_key(), 422),
        ({"lines": []}, store.headers | new_key(), 422),
        ({"all": True, "lines": [{"line_no": 1, "quantity": 1}]}, store.headers | new_key(), 422),
        ({"all": "yes"}, store.headers | new_key(), 422),
        ({"all": True}, store.headers, 422),
        ({"all": True}, new_key(), 401),
    ]
    for body, headers, status in cases:
        is_problem(await client.post(url, json=body, headers=headers), status)
    is_problem(
        await client.post(
            f"/purchases/{uuid.uuid4()}/returns",
            json={"all": True},
            headers=store.headers | new_key(),
        ),
        404,
    )
    assert await footprint(orders_sessions, store, member) == before


@pytest.mark.parametrize(
    ("body", "case"),
    [
        ({}, "neither was given"),
        ({"all": False}, "neither was given"),
        ({"all": True, "lines": [{"line_no": 1, "quantity": 1}]}, "both were given"),
    ],
)
async def test_a_return_that_names_no_lines_or_both_ways_says_which(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember, body: Any, case: str
) -> None:
    sale = await post_sale(client, store, member)
    url = f"/purchases/{sale['id']}/returns"
    answer = await client.post(url, json=body, headers=store.headers | new_key())
    (error,) = is_problem(answer, 422)["errors"]
    assert error["location"] == "body"
    assert error["message"].endswith(f'"lines" (at least one) or "all": true: {case}')


BAD_RETURN_FIELDS: list[tuple[str, Any]] = [
    *[("lines.0.line_no", value) for value in (0, -1, 201, 2**31, 2**64, 1.5, "1", True)],
    *[("lines.0.quantity", value) for value in (0, -1, 10**6 + 1, 2**31, 2**64, 1.5, "1")],
    ("lines", [{"line_no": 1, "quantity": 1}] * 201),
    ("lines", {"line_no": 1}),
    ("all", 1),
]


@pytest.mark.parametrize(
    ("field", "value"),
    BAD_RETURN_FIELDS,
    ids=[f"{field}={value!r:.20}" for field, value in BAD_RETURN_FIELDS],
)
async def test_a_bad_return_field_is_a_422_naming_it(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
    field: str,
    value: Any,
) -> None:
    """An integer of 2^64 used to crash the request's fingerprint before validation."""
    sale = await post_sale(client, store, member)
    before = await footprint(orders_sessions, store, member)
    body: dict[str, Any] = {"lines": [{"line_no": 1, "quantity": 1}]}
    if field == "all":
        body = {"all": value}
    elif field == "lines":
        body["lines"] = value
    else:
        body["lines"][0][field.rsplit(".", 1)[1]] = value

    response = await client.post(
        f"/purchases/{sale['id']}/returns", json=body, headers=store.headers | new_key()
    )

    errors = is_problem(response, 422)["errors"]
    assert [e["location"] for e in errors] == [f"body.{field}"]
    assert await footprint(orders_sessions, store, member) == before
