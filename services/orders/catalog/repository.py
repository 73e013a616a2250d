"""Queries of the catalog. Imports write set-wise: one statement per kind of row."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Text,
    any_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    sql,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select

from services.orders.catalog.domain import Listed, SkuCheck, Status, status_of
from services.orders.catalog.models import CatalogPolicy, Category, Product, ProductPrice
from shared.db import AsyncSession, Prepared

_products = Product.__table__  # type: ignore[attr-defined]
_categories = Category.__table__  # type: ignore[attr-defined]
_prices = ProductPrice.__table__  # type: ignore[attr-defined]
_policy = CatalogPolicy.__table__  # type: ignore[attr-defined]

# pg_advisory_xact_lock key of catalog writes: "catalog" in ASCII
_CATALOG_LOCK = 0x636174616C6F67


async def lock_catalog(session: AsyncSession) -> None:
    """Catalog writes take turns until their transaction ends: two imports, or an import
    and an edit, never interleave (nor both create one SKU). Sales do not wait."""
    await session.execute(sql.select(func.pg_advisory_xact_lock(_CATALOG_LOCK)))


async def categories(session: AsyncSession) -> list[Category]:
    return list((await session.scalars(select(Category))).all())


async def add_category(session: AsyncSession, category: Category) -> None:
    session.add(category)
    await session.flush()


async def product(
    session: AsyncSession, product_id: uuid.UUID, *, lock: bool = False
) -> Product | None:
    query = select(Product).where(Product.id == product_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def products_by_sku(session: AsyncSession, skus: Collection[str]) -> list[Product]:
    if not skus:
        return []
    query = select(Product).where(
        col(Product.sku) == any_(bindparam("skus", list(skus), type_=ARRAY(Text)))
    )
    return list((await session.scalars(query)).all())


async def products_in(session: AsyncSession, category_ids: Collection[uuid.UUID]) -> list[Product]:
    query = select(Product).where(col(Product.category_id).in_(category_ids))
    return list((await session.scalars(query)).all())


async def all_products(session: AsyncSession) -> list[Product]:
    """Every product, by SKU (an export)."""
    return list((await session.scalars(select(Product).order_by(col(Product.sku)))).all())


async def listed_products(
    session: AsyncSession,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    text: str | None,
    category_ids: Collection[uuid.UUID] | None,
    status: Status | None,
) -> list[Product]:
    """Products in the order they were added, ``limit`` after ``after``; ``text`` is a
    piece of the SKU or the name (case-insensitive)."""
    query = select(Product).order_by(col(Product.created_at), col(Product.id)).limit(limit)
    if after is not None:
        query = query.where(tuple_(col(Product.created_at), col(Product.id)) > after)
    if text is not None:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(col(Product.sku).ilike(pattern), col(Product.name).ilike(pattern)))
    if category_ids is not None:
        query = query.where(col(Product.category_id).in_(category_ids))
    if status is not None:
        query = query.where(Product.status == status)
    return list((await session.scalars(query)).all())


async def add_products(session: AsyncSession, products: Sequence[Product]) -> None:
    """New products, and the changes made to loaded ones (one statement per kind)."""
    session.add_all(products)
    await session.flush()


async def add_prices(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(_prices), list(rows))


async def price_history(
    session: AsyncSession, product_id: uuid.UUID, limit: int, before: int | None
) -> list[ProductPrice]:
    query = (
        select(ProductPrice)
        .where(ProductPrice.product_id == product_id)
        .order_by(col(ProductPrice.seq).desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(col(ProductPrice.seq) < before)
    return list((await session.scalars(query)).all())


async def policy(session: AsyncSession) -> CatalogPolicy | None:
    return await session.get(CatalogPolicy, 1, populate_existing=True)


async def set_policy(session: AsyncSession, sku_check: SkuCheck, by: str, now: datetime) -> None:
    values = {"id": 1, "sku_check": sku_check, "updated_by": by, "updated_at": now}
    await session.execute(
        pg_insert(_policy).values(values).on_conflict_do_update(index_elements=["id"], set_=values)
    )


async def has_products(session: AsyncSession) -> bool:
    return bool(await session.scalar(sql.select(exists().select_from(_products))))


def _for_sales() -> Any:
    """The setting, whether the catalog has a product, and the products among ``:skus``,
    in one statement built once and sent as asyncpg's prepared statement (the sale path
    runs it for every sale)."""
    found = (
        sql.select(_products.c.sku, _products.c.status, _categories.c.code)
        .join(_categories, _categories.c.id == _products.c.category_id)
        .where(_products.c.sku == any_(bindparam("skus", type_=ARRAY(Text))))
        .subquery("found")
    )
    one = sql.select(literal(1).label("one")).subquery("one")
    return sql.select(
        sql.select(_policy.c.sku_check).scalar_subquery().label("sku_check"),
        exists().select_from(_products).label("cataloged"),
        found.c.sku,
        found.c.status,
        found.c.code,
    ).select_from(one.outerjoin(found, true()))


_FOR_SALES = Prepared(_for_sales())


async def for_sales(
    session: AsyncSession, skus: Collection[str]
) -> tuple[str | None, bool, dict[str, Listed]]:
    """The SKU check setting (``None``: never set), whether the catalog has a product, and
    the catalog's products among ``skus``: one round trip, however many SKUs."""
    rows = await _FOR_SALES.fetch(session, skus=list(skus))
    by_sku = {
        row["sku"]: Listed(row["code"], status_of(row["status"])) for row in rows if row["sku"]
    }
    return rows[0]["sku_check"], rows[0]["cataloged"], by_sku
