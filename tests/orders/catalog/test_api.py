"""The catalog over the real app and database: categories, products, prices, void and
restore, roles, and the events each change publishes."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from services.orders.catalog.models import ProductPrice
from shared.db import Sessions
from shared.jwks import development_signer
from shared.tokens import issue_token
from tests.orders.catalog.conftest import (
    ADMIN,
    MARKETING,
    add_category,
    add_product,
    product_events,
)
from tests.orders.conftest import is_problem
from tests.stack import staff_headers

pytestmark = pytest.mark.usefixtures("emptied_catalog")


async def _prices(sessions: Sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(ProductPrice)) or 0


async def test_a_category_tree_is_built_read_and_kept_acyclic(client: httpx.AsyncClient) -> None:
    await add_category(client, "health", name="保健品")
    oil = await add_category(client, "health-oil", parent="health")
    await add_category(client, "cosmetics", name="化妆品")
    assert oil["lineage"] == ["health", "health-oil"]

    tree = await client.get("/catalog/categories", headers=MARKETING)
    assert tree.status_code == 200
    assert [(c["code"], c["parent_code"]) for c in tree.json()["items"]] == [
        ("cosmetics", None),
        ("health", None),
        ("health-oil", "health"),
    ]
    again = await client.post(
        "/catalog/categories", json={"code": "health", "name": "x"}, headers=ADMIN
    )
    assert is_problem(again, 409)["type"] == "urn:huiyuan:problem:category-exists"
    loop = await client.patch(
        "/catalog/categories/health", json={"parent_code": "health-oil"}, headers=ADMIN
    )
    body = is_problem(loop, 422)
    assert body["type"] == "urn:huiyuan:problem:category-loop"
    assert body["errors"][0]["location"] == "body.parent_code"
    orphan = await client.post(
        "/catalog/categories", json={"code": "x", "name": "x", "parent_code": "toys"}, headers=ADMIN
    )
    assert is_problem(orphan, 422)["type"] == "urn:huiyuan:problem:unknown-category"
    missing = await client.patch("/catalog/categories/toys", json={"name": "x"}, headers=ADMIN)
    assert is_problem(missing, 404)["type"] == "urn:huiyuan:problem:category-not-found"


async def test_a_product_is_added_with_its_first_price_and_an_event(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    await add_category(client, "health")
    await add_category(client, "health-oil", parent="health")

    product = await add_product(client, "HP-FISHOIL-60", "health-oil", 25800)

    assert product["category_lineage"] == ["health", "health-oil"]
    assert (product["status"], product["revision"]) == ("active", 1)
    (event,) = await product_events(orders_sessions, "HP-FISHOIL-60")
    assert event == {
        "product_id": product["id"],
        "sku": "HP-FISHOIL-60",
        "name": product["name"],
        "category": "health-oil",
        "category_ancestors": ["health"],
        "list_price_fen": 25800,
        "status": "active",
        "revision": 1,
        "changed_at": event["changed_at"],
    }
    history = await client.get(f"/catalog/products/{product['id']}/prices", headers=MARKETING)
    assert [(p["list_price_fen"], p["changed_by"]) for p in history.json()["items"]] == [
        (25800, "test-admin")
    ]
    taken = await client.post(
        "/catalog/products",
        json={"sku": "HP-FISHOIL-60", "name": "x", "category_code": "health", "list_price_fen": 1},
        headers=ADMIN,
    )
    assert is_problem(taken, 409)["type"] == "urn:huiyuan:problem:sku-taken"


async def test_price_changes_are_kept_with_who_made_them_and_a_no_change_writes_nothing(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    await add_category(client, "daily")
    await add_category(client, "cosmetics")
    product = await add_product(client, "DG-1", "daily", 1590)
    path = f"/catalog/products/{product['id']}"
    token = issue_token(development_signer(), subject="chen.li@brand.example", role="admin")
    other_admin = {"Authorization": f"Bearer {token}"}

    cheaper = await client.patch(path, json={"list_price_fen": 1290}, headers=other_admin)
    moved = await client.patch(path, json={"category_code": "cosmetics"}, headers=ADMIN)
    prices_before = await _prices(orders_sessions)
    same = await client.patch(path, json={"list_price_fen": 1290, "name": None}, headers=ADMIN)

    assert cheaper.status_code == moved.status_code == same.status_code == 200
    assert same.json()["revision"] == moved.json()["revision"] == 3
    assert await _prices(orders_sessions) == prices_before
    history = (await client.get(f"{path}/prices", headers=ADMIN)).json()["items"]
    assert [(p["list_price_fen"], p["changed_by"]) for p in history] == [
        (1290, "chen.li@brand.example"),
        (1590, "test-admin"),
    ]
    older = await client.get(f"{path}/prices", params={"limit": 1}, headers=ADMIN)
    rest = await client.get(
        f"{path}/prices", params={"limit": 1, "cursor": older.json()["next_cursor"]}, headers=ADMIN
    )
    assert [p["list_price_fen"] for p in rest.json()["items"]] == [1590]
    assert rest.json()["next_cursor"] is None
    events = await product_events(orders_sessions, "DG-1")
    assert [(e["revision"], e["list_price_fen"], e["category"]) for e in events] == [
        (1, 1590, "daily"),
        (2, 1290, "daily"),
        (3, 1290, "cosmetics"),
    ]
    unknown = await client.patch(path, json={"category_code": "toys"}, headers=ADMIN)
    assert is_problem(unknown, 422)["errors"][0]["location"] == "body.category_code"


async def test_void_and_restore_are_idempotent_and_announced(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    await add_category(client, "health")
    product = await add_product(client, "HP-2", "health")
    path = f"/catalog/products/{product['id']}"

    first = await client.post(f"{path}/void", headers=ADMIN)
    second = await client.post(f"{path}/void", headers=ADMIN)
    restored = await client.post(f"{path}/restore", headers=ADMIN)

    assert (first.json()["status"], second.json()["status"]) == ("void", "void")
    assert restored.json()["status"] == "active"
    events = await product_events(orders_sessions, "HP-2")
    assert [e["status"] for e in events] == ["active", "void", "active"]
    gone = await client.post(f"/catalog/products/{uuid.uuid4()}/void", headers=ADMIN)
    assert is_problem(gone, 404)["type"] == "urn:huiyuan:problem:product-not-found"


async def test_moving_a_category_announces_every_product_below_it(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    await add_category(client, "health")
    await add_category(client, "cosmetics")
    await add_category(client, "oils", parent="health")
    await add_category(client, "fish", parent="oils")
    await add_product(client, "FISH-1", "fish")
    await add_product(client, "OIL-1", "oils")
    await add_product(client, "HP-3", "health")

    moved = await client.patch(
        "/catalog/categories/oils", json={"parent_code": "cosmetics"}, headers=ADMIN
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["lineage"] == ["cosmetics", "oils"]
    latest = {sku: (await product_events(orders_sessions, sku))[-1] for sku in ("FISH-1", "OIL-1")}
    assert latest["FISH-1"]["category_ancestors"] == ["cosmetics", "oils"]
    assert latest["OIL-1"]["category_ancestors"] == ["cosmetics"]
    assert latest["FISH-1"]["revision"] == 2
    assert len(await product_events(orders_sessions, "HP-3")) == 1
    to_top = await client.patch(
        "/catalog/categories/oils", json={"parent_code": None, "name": "油类"}, headers=ADMIN
    )
    assert (to_top.json()["lineage"], to_top.json()["name"]) == (["oils"], "油类")
    renamed = await client.patch("/catalog/categories/oils", json={"name": "油"}, headers=ADMIN)
    assert renamed.json()["parent_code"] is None  # a rename leaves the parent alone
    assert len(await product_events(orders_sessions, "FISH-1")) == 3


async def test_products_are_listed_in_pages_and_found_by_text_category_and_status(
    client: httpx.AsyncClient,
) -> None:
    await add_category(client, "health")
    await add_category(client, "oils", parent="health")
    await add_category(client, "daily")
    for n in range(5):
        await add_product(client, f"OIL-{n}", "oils", name=f"鱼油_{n}")
    await add_product(client, "DG-100", "daily", name="牙膏 100%")

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, "category": "health"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/catalog/products", params=params, headers=MARKETING)).json()
        seen += [item["sku"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"OIL-{n}" for n in range(5)]

    async def skus(**params: str) -> list[str]:
        answer = await client.get("/catalog/products", params=params, headers=MARKETING)
        assert answer.status_code == 200, answer.text
        return [item["sku"] for item in answer.json()["items"]]

    assert await skus(q="%") == ["DG-100"]  # "%" and "_" are characters, not wildcards
    assert await skus(q="_") == [f"OIL-{n}" for n in range(5)]
    assert await skus(q="油_3") == ["OIL-3"]  # a piece of the name...
    assert await skus(q="oil-4") == ["OIL-4"]  # ...or of the SKU, in any case
    gbk = await client.get("/catalog/products?q=%D3%E3", headers=MARKETING)  # 鱼 in GBK
    assert is_problem(gbk, 422)["errors"][0]["location"] == "query.q"
    voided = (await client.get("/catalog/products", params={"q": "OIL-1"}, headers=ADMIN)).json()
    await client.post(f"/catalog/products/{voided['items'][0]['id']}/void", headers=ADMIN)
    assert await skus(status="void") == ["OIL-1"]
    unknown = await client.get("/catalog/products", params={"category": "toys"}, headers=ADMIN)
    assert is_problem(unknown, 422)["errors"][0]["location"] == "query.category"


async def test_marketing_reads_the_catalog_and_only_admins_change_it(
    client: httpx.AsyncClient,
) -> None:
    await add_category(client, "health")
    product = await add_product(client, "HP-4", "health")
    writes = [
        client.post("/catalog/categories", json={"code": "c", "name": "c"}, headers=MARKETING),
        client.patch("/catalog/categories/health", json={"name": "x"}, headers=MARKETING),
        client.post(
            "/catalog/products",
            json={"sku": "S", "name": "s", "category_code": "health", "list_price_fen": 1},
            headers=MARKETING,
        ),
        client.post(f"/catalog/products/{product['id']}/void", headers=MARKETING),
        client.put("/catalog/policy", json={"sku_check": "lenient"}, headers=MARKETING),
        client.post("/catalog/products:import", content=b"sku", headers=MARKETING),
    ]
    for refused in await asyncio.gather(*writes):
        is_problem(refused, 403)
    reads = ["/catalog/categories", "/catalog/products", "/catalog/policy"]
    for path in [*reads, f"/catalog/products/{product['id']}", "/catalog/products:export"]:
        assert (await client.get(path, headers=MARKETING)).status_code == 200
        is_problem(await client.get(path, headers=staff_headers("analyst")), 403)


async def test_a_create_with_an_idempotency_key_is_answered_once(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    await add_category(client, "health")
    body = {"sku": "HP-5", "name": "鱼油", "category_code": "health", "list_price_fen": 100}
    headers = ADMIN | {"Idempotency-Key": "product-HP-5"}

    first = await client.post("/catalog/products", json=body, headers=headers)
    retry = await client.post("/catalog/products", json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(await product_events(orders_sessions, "HP-5")) == 1


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"sku": "=SUM(A1)"}, "body.sku"),
        ({"name": '=HYPERLINK("x")'}, "body.name"),
        ({"name": "  +86 鱼油"}, "body.name"),
        ({"category_code": "health/oil"}, "body.category_code"),
        ({"list_price_fen": -1}, "body.list_price_fen"),
        ({"list_price_fen": "100"}, "body.list_price_fen"),
        ({"status": "deleted"}, "body.status"),
    ],
)
async def test_bad_product_fields_are_a_422_naming_them_and_nothing_is_written(
    client: httpx.AsyncClient, orders_sessions: Sessions, body: dict[str, object], location: str
) -> None:
    await add_category(client, "health")
    good = {"sku": "HP-6", "name": "鱼油", "category_code": "health", "list_price_fen": 100}

    refused = await client.post("/catalog/products", json=good | body, headers=ADMIN)

    assert [e["location"] for e in is_problem(refused, 422)["errors"]] == [location]
    assert await _prices(orders_sessions) == 0
