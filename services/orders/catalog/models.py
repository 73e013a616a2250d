"""Tables of the catalog: categories, products, their price history, and the SKU policy."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlmodel import Field

from services.orders.base import SCHEMA, OrdersTable, timestamp_column, utc_now
from services.orders.catalog.domain import (
    MAX_CATEGORY_CODE,
    MAX_CATEGORY_NAME,
    MAX_PRODUCT_NAME,
    MAX_SKU,
    CategoryNode,
)
from shared.tokens import MAX_SUBJECT_LENGTH


class Category(OrdersTable, table=True):
    __tablename__ = "categories"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(sa_column=Column(String(MAX_CATEGORY_CODE), nullable=False, unique=True))
    name: str = Field(max_length=MAX_CATEGORY_NAME)
    parent_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey(f"{SCHEMA}.categories.id"), index=True)
    )
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())

    def node(self) -> CategoryNode:
        return CategoryNode(self.id, self.code, self.name, self.parent_id)


class Product(OrdersTable, table=True):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("list_price_fen >= 0", name="ck_products_list_price_fen"),
        CheckConstraint("status IN ('active', 'void')", name="ck_products_status"),
        Index("ix_products_listed", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sku: str = Field(sa_column=Column(String(MAX_SKU), nullable=False, unique=True))
    name: str = Field(max_length=MAX_PRODUCT_NAME)
    category_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.categories.id"), nullable=False, index=True)
    )
    list_price_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(sa_column=Column(String(8), nullable=False))
    revision: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    """Counts the product's changes, its category's moves included: the read models of
    ``orders.product.changed`` keep the highest revision they saw."""
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


class ProductPrice(OrdersTable, table=True):
    """A product's list price from ``changed_at`` on, and who set it: appended, never
    edited. A product's first row is its price at creation."""

    __tablename__ = "product_prices"
    __table_args__ = (
        CheckConstraint("list_price_fen >= 0", name="ck_product_prices_list_price_fen"),
        Index("ix_product_prices_product", "product_id", "seq"),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(), primary_key=True)
    )
    product_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.products.id"), nullable=False)
    )
    list_price_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    changed_at: datetime = Field(sa_column=timestamp_column())
    changed_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
    """The staff subject of the token that set it (through the API or an import)."""


class CatalogPolicy(OrdersTable, table=True):
    """The brand's one row of catalog settings; no row means the defaults."""

    __tablename__ = "catalog_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_catalog_policy_one_row"),
        CheckConstraint(
            "sku_check IN ('auto', 'strict', 'lenient')", name="ck_catalog_policy_sku_check"
        ),
    )

    id: int = Field(default=1, sa_column=Column(SmallInteger, primary_key=True))
    sku_check: str = Field(sa_column=Column(String(8), nullable=False))
    updated_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
