"""``POST /catalog/products:import`` and ``GET /catalog/products:export`` over the real app:
whole files or nothing, dry runs, re-imports that change nothing."""

from __future__ import annotations

import codecs

import httpx
import pytest
from sqlalchemy import func, select

from services.orders.base import outbox
from services.orders.catalog.models import Product, ProductPrice
from shared.db import Sessions
from tests.orders.catalog.conftest import ADMIN, MARKETING, add_category, product_events
from tests.orders.conftest import is_problem

pytestmark = pytest.mark.usefixtures("emptied_catalog")

SHEET = (
    "商品编码,品名,分类,价格(元),规格\r\n"
    "HP-FISHOIL-60,深海鱼油 60粒,health,258.00,60粒\r\n"
    "CS-SERUM-30,精华液 30ml,cosmetics,399,30ml\r\n"
    "DG-TOOTHPASTE,草本牙膏,daily,15.9,120g\r\n"
)
CSV = {"Content-Type": "text/csv"}


async def _state(sessions: Sessions) -> tuple[int, int, int]:
    """Products, price history rows and product events in the outbox."""
    async with sessions() as session:
        products = await session.scalar(select(func.count()).select_from(Product))
        prices = await session.scalar(select(func.count()).select_from(ProductPrice))
        events = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.event_type == "orders.product.changed")
        )
    return products or 0, prices or 0, events or 0


async def _import(
    client: httpx.AsyncClient, data: bytes, *, dry_run: bool = False
) -> httpx.Response:
    return await client.post(
        "/catalog/products:import",
        content=data,
        params={"dry_run": str(dry_run).lower()},
        headers=ADMIN | CSV,
    )


@pytest.fixture
async def categories(client: httpx.AsyncClient, emptied_catalog: None) -> None:
    for code in ("health", "cosmetics", "daily"):
        await add_category(client, code)


@pytest.mark.usefixtures("categories")
async def test_a_gb18030_file_is_tried_then_imported_then_imported_again_as_a_no_op(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    data = SHEET.encode("gb18030")
    before = await _state(orders_sessions)

    tried = await _import(client, data, dry_run=True)
    after_dry_run = await _state(orders_sessions)
    imported = await _import(client, data)
    after_import = await _state(orders_sessions)
    again = await _import(client, data)

    assert tried.status_code == imported.status_code == again.status_code == 200, tried.text
    assert after_dry_run == before
    assert after_import == (before[0] + 3, before[1] + 3, before[2] + 3)
    assert await _state(orders_sessions) == after_import
    for answer, dry_run in ((tried, True), (imported, False)):
        body = answer.json()
        assert (body["dry_run"], body["encoding"], body["byte_order_mark"]) == (
            dry_run,
            "GB18030",
            False,
        )
        assert (body["rows"], body["created"], body["updated"], body["unchanged"]) == (3, 3, 0, 0)
        assert body["ignored_columns"] == ["规格"]
        assert [c["row"] for c in body["changes"]] == [2, 3, 4]
    assert (again.json()["created"], again.json()["unchanged"], again.json()["changes"]) == (
        0,
        3,
        [],
    )
    (event,) = await product_events(orders_sessions, "DG-TOOTHPASTE")
    assert (event["name"], event["list_price_fen"]) == ("草本牙膏", 1590)


@pytest.mark.usefixtures("categories")
async def test_a_changed_file_changes_only_what_differs(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    await _import(client, SHEET.encode())
    changed = SHEET.replace("258.00", "238.00").replace(
        "CS-SERUM-30,精华液 30ml,cosmetics,399,30ml\r\n", ""
    )
    changed += "DG-SOAP,香皂,daily,5,\r\n"
    before = await _state(orders_sessions)

    answer = await _import(client, codecs.BOM_UTF8 + changed.encode())

    body = answer.json()
    assert (body["encoding"], body["byte_order_mark"]) == ("UTF-8", True)
    assert [(c["sku"], c["action"], c["changed"]) for c in body["changes"]] == [
        ("HP-FISHOIL-60", "updated", ["list_price_fen"]),
        ("DG-SOAP", "created", ["sku", "name", "category", "list_price_fen", "status"]),
    ]
    assert await _state(orders_sessions) == (before[0] + 1, before[1] + 2, before[2] + 2)


@pytest.mark.usefixtures("categories")
async def test_a_file_with_faulty_rows_is_refused_whole_naming_each(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    faulty = (
        SHEET
        + "TOY-1,玩具,toys,10,\r\nHP-FISHOIL-60,重复,health,1,\r\nBAD-PRICE,x,daily,1.999,\r\n"
    )
    before = await _state(orders_sessions)

    answer = await _import(client, faulty.encode("gb18030"))

    body = is_problem(answer, 422)
    assert body["type"] == "urn:huiyuan:problem:import-invalid"
    assert [(e["row"], e["column"]) for e in body["row_errors"]] == [
        (5, "分类"),
        (6, "商品编码"),
        (7, "价格(元)"),
    ]
    assert "Nothing was imported" in body["detail"]
    assert await _state(orders_sessions) == before
    unreadable = await _import(client, b"sku,name\r\n\xff\xff")
    assert is_problem(unreadable, 422)["type"] == "urn:huiyuan:problem:import-unreadable"


@pytest.mark.usefixtures("categories")
async def test_an_export_opens_in_excel_and_imports_back_as_a_no_op(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    await _import(client, SHEET.encode())
    listed = (await client.get("/catalog/products", params={"q": "CS-"}, headers=ADMIN)).json()
    await client.post(f"/catalog/products/{listed['items'][0]['id']}/void", headers=ADMIN)

    exported = await client.get("/catalog/products:export", headers=MARKETING)

    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content.startswith(codecs.BOM_UTF8)
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "sku,name,category,list_price_fen,status",
        "CS-SERUM-30,精华液 30ml,cosmetics,39900,void",
        "DG-TOOTHPASTE,草本牙膏,daily,1590,active",
        "HP-FISHOIL-60,深海鱼油 60粒,health,25800,active",
    ]
    before = await _state(orders_sessions)
    again = await _import(client, exported.content)
    assert (again.json()["unchanged"], again.json()["changes"]) == (3, [])
    assert await _state(orders_sessions) == before
