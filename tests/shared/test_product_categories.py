"""Loyalty and analytics keep which category each product is in from
``orders.product.changed``, in their own schemas, and a replayed older revision never wins."""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from shared.db import create_engine, create_sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import ProductChanged
from tests.stack import Stack


def _changed(product_id: uuid.UUID, revision: int, **changes: Any) -> CloudEvent:
    values: dict[str, Any] = {
        "product_id": product_id,
        "sku": f"HP-{product_id.hex[:8]}",
        "name": "深海鱼油",
        "category": "health-oil",
        "category_ancestors": ("health",),
        "list_price_fen": 25800,
        "status": "active",
        "revision": revision,
        "changed_at": datetime(2026, 11, 23, 6, 30, tzinfo=UTC),
    }
    return CloudEvent.of(ProductChanged(**values | changes), source="/huiyuan/orders")


@pytest.mark.parametrize("service", ["loyalty", "analytics"])
async def test_the_newest_revision_of_each_product_is_kept(stack: Stack, service: str) -> None:
    handlers = stack.handlers(service)
    table = importlib.import_module(f"services.{service}.base").product_categories.table
    engine = create_engine(stack.settings(service))
    sessions = create_sessions(engine)
    product_id = uuid.uuid4()
    events = [
        _changed(product_id, 1),
        _changed(product_id, 3, category="cosmetics-oil", category_ancestors=("cosmetics",)),
        _changed(product_id, 2, status="void"),  # a replay of an older revision
    ]
    try:
        for event in events:
            assert event.key == str(product_id)
            async with transaction(sessions) as session:
                await handlers[event.type](session, event)
        async with sessions() as session:
            row = (
                await session.execute(select(table).where(table.c.product_id == product_id))
            ).one()
    finally:
        await engine.dispose()
    assert (row.sku, row.category, row.category_ancestors, row.status, row.revision) == (
        f"HP-{product_id.hex[:8]}",
        "cosmetics-oil",
        ["cosmetics"],
        "active",
        3,
    )
