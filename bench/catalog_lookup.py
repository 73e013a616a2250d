"""``python -m bench.catalog_lookup``: what checking a sale's SKUs against the catalog costs.

The sale path makes one extra query for it (``catalog.service.find_products``), then checks
the lines in Python (``KnownProducts.categorised``). This measures both, per sale, on an
embedded PostgreSQL of its own, next to a transaction that only runs ``SELECT 1`` (what a
round trip costs): with an empty catalog (``auto``: lenient) and with 1,000 products
(``auto``: strict) and a sale of three catalog lines. ``make bench BENCH_ARGS=--catalog``
measures the whole pipeline with a catalog; on a busy machine its noise hides a difference
this small.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from bench import alone
from services.orders.catalog import service as catalog
from services.orders.catalog.categories import service as categories
from services.orders.catalog.categories.schemas import CategoryCreate
from services.orders.catalog.schemas import ProductCreate
from services.orders.config import Settings
from services.orders.purchases.schemas import PurchaseCreate
from shared.db import AsyncSession, Sessions, create_engine, create_sessions, transaction

SALES = 2000
PRODUCTS = 1000
SALE = PurchaseCreate.model_validate(
    {
        "card_number": "8860000000013",
        "lines": [
            {"sku": f"SKU-{n}", "category": "till", "quantity": 1, "unit_price_fen": 100}
            for n in range(3)
        ],
    }
)


async def _select_one(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def _check_sale(session: AsyncSession) -> None:
    (await catalog.find_products(session, [SALE])).categorised(SALE)


async def _per_sale(
    sessions: Sessions, label: str, work: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    for _ in range(50):  # warm the pool and the statement caches
        async with transaction(sessions) as session:
            await work(session)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(SALES):
        async with transaction(sessions) as session:
            await work(session)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{label}: {wall / SALES * 1000:.3f} ms wall, {cpu / SALES * 1000:.3f} ms CPU per sale")


async def _measure(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    sessions = create_sessions(engine)
    try:
        await _per_sale(sessions, "a transaction of SELECT 1", _select_one)
        await _per_sale(sessions, "the SKU check, empty catalog (lenient)", _check_sale)
        async with transaction(sessions) as session:
            await categories.create_category(session, CategoryCreate(code="c", name="c"))
            for n in range(PRODUCTS):
                product = ProductCreate(
                    sku=f"SKU-{n}", name=f"p{n}", category_code="c", list_price_fen=100
                )
                await catalog.create_product(session, product, by="bench")
        label = f"the SKU check, {PRODUCTS:,} products (strict), 3 catalog lines"
        await _per_sale(sessions, label, _check_sale)
    finally:
        await engine.dispose()


async def main() -> None:
    async with alone.migrated("orders") as scratch:
        await _measure(scratch.database_url)


if __name__ == "__main__":
    asyncio.run(main())
