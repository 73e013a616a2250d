"""Sales against the catalog, single and in batches: the policy, refusals that name the
line and write nothing, and categories taken from the catalog."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from tests.orders.catalog.conftest import ADMIN, MARKETING, add_category, add_product
from tests.orders.conftest import (
    KnownMember,
    StoreKey,
    events_of,
    footprint,
    is_problem,
    new_key,
)

pytestmark = pytest.mark.usefixtures("emptied_catalog")


def _line(sku: str, category: str = "till-category") -> dict[str, Any]:
    return {"sku": sku, "category": category, "quantity": 1, "unit_price_fen": 1000}


async def _sell(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember, *skus: str
) -> httpx.Response:
    return await client.post(
        "/purchases",
        json={"card_number": member.card_number, "lines": [_line(sku) for sku in skus]},
        headers=store.headers | new_key(),
    )


async def _policy(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get("/catalog/policy", headers=MARKETING)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_empty_catalog_accepts_any_sku_and_a_first_product_makes_checks_strict(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    assert await _policy(client) == {
        "sku_check": "auto",
        "strict": False,
        "updated_at": None,
        "updated_by": None,
    }
    assert (await _sell(client, store, member, "TILL-ONLY")).status_code == 201

    await add_category(client, "health")
    await add_product(client, "HP-1", "health")

    assert (await _policy(client))["strict"] is True
    refused = await _sell(client, store, member, "HP-1", "TILL-ONLY")
    body = is_problem(refused, 422)
    assert body["type"] == "urn:huiyuan:problem:unknown-sku"
    assert body["errors"] == [
        {"location": "body.lines.1.sku", "message": "SKU 'TILL-ONLY' is not in the catalog"}
    ]


async def test_a_refused_sale_writes_nothing_and_a_void_product_is_refused_too(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    await add_category(client, "health")
    product = await add_product(client, "HP-2", "health")
    await client.post(f"/catalog/products/{product['id']}/void", headers=ADMIN)
    before = await footprint(orders_sessions, store, member)

    refused = await _sell(client, store, member, "HP-2")

    body = is_problem(refused, 422)
    assert body["type"] == "urn:huiyuan:problem:void-sku"
    assert body["errors"][0]["location"] == "body.lines.0.sku"
    assert await footprint(orders_sessions, store, member) == before
    await client.post(f"/catalog/products/{product['id']}/restore", headers=ADMIN)
    assert (await _sell(client, store, member, "HP-2")).status_code == 201


async def test_a_catalog_products_line_takes_the_catalogs_category(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    await add_category(client, "health")
    await add_category(client, "health-oil", parent="health")
    await add_product(client, "HP-3", "health-oil")

    sold = await _sell(client, store, member, "HP-3")

    assert sold.status_code == 201, sold.text
    assert [line["category"] for line in sold.json()["lines"]] == ["health-oil"]
    read = await client.get(f"/purchases/{sold.json()['id']}", headers=store.headers)
    assert read.json()["lines"][0]["category"] == "health-oil"
    (completed,) = await events_of(orders_sessions, member, "orders.purchase.completed")
    assert completed["lines"][0]["category"] == "health-oil"


async def test_lenient_accepts_unknown_skus_with_the_tills_category(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    await add_category(client, "health")
    await add_product(client, "HP-4", "health")
    set_lenient = await client.put("/catalog/policy", json={"sku_check": "lenient"}, headers=ADMIN)
    assert set_lenient.json() | {"updated_at": None} == {
        "sku_check": "lenient",
        "strict": False,
        "updated_at": None,
        "updated_by": "test-admin",
    }

    sold = await _sell(client, store, member, "TILL-ONLY", "HP-4")

    assert sold.status_code == 201, sold.text
    assert [line["category"] for line in sold.json()["lines"]] == ["till-category", "health"]
    await client.put("/catalog/policy", json={"sku_check": "strict"}, headers=ADMIN)
    assert (await _policy(client))["strict"] is True
    is_problem(await _sell(client, store, member, "TILL-ONLY"), 422)


async def test_strict_applies_to_an_empty_catalog_when_set(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    await client.put("/catalog/policy", json={"sku_check": "strict"}, headers=ADMIN)
    body = is_problem(await _sell(client, store, member, "ANY"), 422)
    assert body["type"] == "urn:huiyuan:problem:unknown-sku"


async def test_a_batch_refuses_each_sale_with_a_bad_sku_on_its_own(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    await add_category(client, "daily")
    await add_product(client, "DG-1", "daily")
    void = await add_product(client, "DG-OLD", "daily")
    await client.post(f"/catalog/products/{void['id']}/void", headers=ADMIN)

    def sale(*skus: str) -> dict[str, Any]:
        return {
            "idempotency_key": uuid.uuid4().hex,
            "card_number": member.card_number,
            "lines": [_line(sku) for sku in skus],
        }

    answer = await client.post(
        "/purchases:batch",
        json={"sales": [sale("DG-1"), sale("DG-1", "NOPE"), sale("DG-OLD"), sale("DG-1")]},
        headers=store.headers,
    )

    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 422, 201]
    assert results[1]["error"]["type"] == "urn:huiyuan:problem:unknown-sku"
    assert results[1]["error"]["errors"] == [
        {"location": "body.sales.1.lines.1.sku", "message": "SKU 'NOPE' is not in the catalog"}
    ]
    assert results[2]["error"]["type"] == "urn:huiyuan:problem:void-sku"
    assert results[2]["error"]["errors"][0]["location"] == "body.sales.2.lines.0.sku"
    assert results[0]["purchase"]["lines"][0]["category"] == "daily"
    completed = await events_of(orders_sessions, member, "orders.purchase.completed")
    assert len(completed) == 2
