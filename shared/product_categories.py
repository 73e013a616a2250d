"""The product → category read model a consuming service keeps from
``orders.product.changed``, in its own schema: which category (and which ancestors) each
product's SKU is in, and whether it is void. Built on a service's metadata like its inbox
(``ProductCategories(LoyaltyTable.metadata)``); the table comes with
``shared.migrations.create_product_categories``.

Orders publishes each product's whole state with a revision that grows with every change,
keyed by the product, so a product's events arrive in order; an older revision (a replay
of retained outbox rows) never overwrites a newer one anyway.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.orders import ProductChanged

MAX_CODE = 64
"""Longest SKU or category code kept (the length of a sale line's columns in orders)."""


class ProductCategories:
    """The ``product_categories`` table of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "product_categories",
            metadata,
            Column("product_id", Uuid, primary_key=True),
            Column("sku", String(MAX_CODE), nullable=False),
            Column("category", String(MAX_CODE), nullable=False),
            Column("category_ancestors", ARRAY(String(MAX_CODE)), nullable=False),
            Column("status", String(8), nullable=False),
            Column("revision", Integer, nullable=False),
            Column("changed_at", DateTime(timezone=True), nullable=False),
            Index("ix_product_categories_sku", "sku"),
        )

    async def apply(self, session: AsyncSession, changed: ProductChanged) -> None:
        """Keeps the product as ``changed`` says, unless a later revision is kept already."""
        values = {
            "product_id": changed.product_id,
            "sku": changed.sku,
            "category": changed.category,
            "category_ancestors": list(changed.category_ancestors),
            "status": changed.status,
            "revision": changed.revision,
            "changed_at": changed.changed_at,
        }
        insert = pg_insert(self.table).values(values)
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["product_id"],
                set_={name: insert.excluded[name] for name in values if name != "product_id"},
                where=self.table.c.revision < insert.excluded.revision,
            )
        )
