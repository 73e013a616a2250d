from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from services.orders.base import outbox
from services.orders.catalog.models import Product
from shared.db import Sessions
from tests.stack import Stack, empty_catalog, staff_headers

ADMIN = staff_headers("admin")
MARKETING = staff_headers("marketing")


@pytest.fixture
async def emptied_catalog(stack: Stack) -> AsyncIterator[None]:
    """An empty catalog for the test, emptied again after it (see ``empty_catalog``)."""
    await empty_catalog(stack)
    yield
    await empty_catalog(stack)


async def add_category(
    client: httpx.AsyncClient, code: str, parent: str | None = None, name: str | None = None
) -> dict[str, Any]:
    body = {"code": code, "name": name or f"{code} 类", "parent_code": parent}
    response = await client.post("/catalog/categories", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def add_product(
    client: httpx.AsyncClient, sku: str, category: str, price: int = 25800, **more: Any
) -> dict[str, Any]:
    body = {"sku": sku, "name": f"{sku} 商品", "category_code": category, "list_price_fen": price}
    response = await client.post("/catalog/products", json=body | more, headers=ADMIN)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def product_events(sessions: Sessions, sku: str) -> list[dict[str, Any]]:
    """The ``data`` of the ``orders.product.changed`` events queued for the product that
    holds ``sku`` now, in order.

    Not every event naming the SKU: the outbox keeps the events of the products that
    earlier tests on this worker made with the same SKU and ``emptied_catalog`` deleted.
    """
    table = outbox.table
    async with sessions() as session:
        product = await session.scalar(select(col(Product.id)).where(col(Product.sku) == sku))
        assert product is not None, f"no product holds {sku}"
        envelopes = (
            await session.scalars(
                select(table.c.envelope)
                .where(
                    table.c.event_type == "orders.product.changed",
                    table.c.key == str(product),
                )
                .order_by(table.c.seq)
            )
        ).all()
    for envelope in envelopes:  # no member: the Kafka key is the subject, the product
        assert envelope["partitionkey"] == envelope["subject"] == envelope["data"]["product_id"]
    return [envelope["data"] for envelope in envelopes]
