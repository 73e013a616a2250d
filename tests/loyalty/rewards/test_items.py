"""The rewards catalog's items over HTTP: marketing adds, sets and restocks them,
members list what they can order now, and every bad item field is refused by name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from tests.loyalty.conftest import key, problem
from tests.loyalty.rewards.conftest import (
    MARKETING,
    SERVICE,
    item_body,
    new_item,
    stock_of,
)
from tests.stack import member_headers


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def test_marketing_adds_sets_and_restocks_an_item(client: httpx.AsyncClient) -> None:
    body = item_body(
        description="门店自提\nPick up in store",
        per_member_limit=2,
        valid_from="2026-01-01T00:00:00+08:00",
    )
    created = await client.post("/rewards/items", json=body, headers=MARKETING | key())
    assert created.status_code == 201, created.text
    item = created.json()
    assert created.headers["location"] == f"/rewards/items/{item['id']}"
    assert {k: item[k] for k in ("code", "point_price", "stock", "per_member_limit")} == {
        "code": body["code"],
        "point_price": 300,
        "stock": 10,
        "per_member_limit": 2,
    }
    assert (item["valid_from"], item["valid_until"]) == ("2025-12-31T16:00:00Z", None)
    assert (item["active"], item["available"], item["updated_by"]) == (
        True,
        True,
        "test-marketing",
    )
    settings = {"name": "保温杯 500 ml", "point_price": 450, "active": False}
    put = await client.put(f"/rewards/items/{item['id']}", json=settings, headers=MARKETING)
    assert put.status_code == 200, put.text
    changed = put.json()
    assert (changed["name"], changed["point_price"], changed["available"]) == (
        "保温杯 500 ml",
        450,
        False,
    )
    assert (changed["per_member_limit"], changed["valid_from"], changed["stock"]) == (
        None,
        None,
        10,
    )
    restock = await client.post(
        f"/rewards/items/{item['id']}/stock",
        json={"change": -4, "reason": "破损 damaged"},
        headers=MARKETING | key(),
    )
    assert restock.status_code == 201, restock.text
    assert {k: restock.json()[k] for k in ("change", "stock", "changed_by")} == {
        "change": -4,
        "stock": 6,
        "changed_by": "test-marketing",
    }
    read = await client.get(f"/rewards/items/{item['id']}", headers=member_headers(uuid.uuid4()))
    assert (read.json()["stock"], read.json()["updated_by"]) == (6, None)


async def test_members_list_only_what_they_can_order_now(client: httpx.AsyncClient) -> None:
    shown = await new_item(client)
    hidden = [
        await new_item(client, active=False),
        await new_item(client, valid_from=_at(timedelta(days=1))),
        await new_item(client, valid_until=_at(timedelta(seconds=-1))),
    ]

    async def listed(headers: dict[str, str], **params: Any) -> set[str]:
        ids: set[str] = set()
        cursor = None
        while True:
            page = await client.get(
                "/rewards/items",
                params=params | {"limit": 200} | ({"cursor": cursor} if cursor else {}),
                headers=headers,
            )
            assert page.status_code == 200, page.text
            ids |= {item["id"] for item in page.json()["items"]}
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return ids

    mine = {shown["id"], *(item["id"] for item in hidden)}
    assert await listed(member_headers(uuid.uuid4())) & mine == {shown["id"]}
    assert await listed(MARKETING) & mine == mine
    assert await listed(MARKETING, orderable="true") & mine == {shown["id"]}


async def test_item_refusals_name_their_field(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    item = await new_item(client)
    taken = problem(
        await client.post(
            "/rewards/items", json=item_body(code=item["code"]), headers=MARKETING | key()
        ),
        409,
    )
    assert taken["type"] == "urn:huiyuan:problem:reward-code-taken"
    window = problem(
        await client.post(
            "/rewards/items",
            json=item_body(
                valid_from="2026-12-01T00:00:00+08:00", valid_until="2026-12-01T00:00:00+08:00"
            ),
            headers=MARKETING | key(),
        ),
        422,
    )
    assert window["errors"][0]["location"] == "body.valid_until"
    too_many = problem(
        await client.post(
            f"/rewards/items/{item['id']}/stock",
            json={"change": -11, "reason": "x"},
            headers=MARKETING | key(),
        ),
        422,
    )
    assert too_many["detail"] == "cannot take 11 units out of stock: 10 in stock"
    assert too_many["errors"][0]["location"] == "body.change"
    problem(await client.post("/rewards/items", json=item_body(), headers=MARKETING), 422)
    problem(await client.post("/rewards/items", json=item_body(), headers=SERVICE | key()), 403)
    problem(
        await client.put(
            f"/rewards/items/{uuid.uuid4()}",
            json={"name": "x", "point_price": 1},
            headers=MARKETING,
        ),
        404,
    )
    assert await stock_of(loyalty_sessions, item["id"]) == 10


ITEM_FAULTS: list[tuple[str, Any, str]] = [
    ("code", "=HYPERLINK()", "may contain only"),
    ("code", "x" * 33, "at most 32"),
    ("name", "杯\r\nBcc: x", "single line"),
    ("name", "x" * 101, "at most 100"),
    ("point_price", 0, "greater than or equal to 1"),
    ("point_price", 10**12 + 1, "less than or equal to 1000000000000"),
    ("point_price", "300", "valid integer"),
    ("stock", -1, "greater than or equal to 0"),
    ("stock", 10**9 + 1, "less than or equal to 1000000000"),
    ("per_member_limit", 0, "greater than or equal to 1"),
    ("valid_from", "2026-12-01T00:00:00", "UTC offset"),
    ("valid_until", "2100-01-01T00:00:00Z", "within 10 years from now"),
    ("valid_from", 1700000000, "must be written like"),
    ("active", "yes", "valid boolean"),
]


@pytest.mark.parametrize(("field", "value", "message"), ITEM_FAULTS)
async def test_each_item_field_refuses_its_faults_by_name(
    client: httpx.AsyncClient, field: str, value: Any, message: str
) -> None:
    response = await client.post(
        "/rewards/items", json=item_body(**{field: value}), headers=MARKETING | key()
    )
    [error] = problem(response, 422)["errors"]
    assert error["location"] == f"body.{field}"
    assert message in error["message"]
