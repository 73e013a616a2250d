"""product catalog: categories, products, price history, the SKU policy

Categories form a tree (``parent_id``); products name one by id and keep their list price
in fen, their status (active or void) and a revision counted up at every change; each
list price a product had is kept in ``product_prices`` with when and by whom it was set.
``catalog_policy`` holds at most one row, the brand's setting of how sales' SKUs are
checked; without a row the default applies (``auto``: strict once a product exists, so
existing tills keep working while the catalog is empty). Nothing is seeded.

Revision ID: 2f1332a4eccb
Revises: c4d8e1a7b305
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2f1332a4eccb"
down_revision: str | None = "c4d8e1a7b305"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["orders.categories.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_categories_parent_id"), "categories", ["parent_id"], schema="orders"
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("list_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("list_price_fen >= 0", name="ck_products_list_price_fen"),
        sa.CheckConstraint("status IN ('active', 'void')", name="ck_products_status"),
        sa.ForeignKeyConstraint(["category_id"], ["orders.categories.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sku"),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_products_category_id"), "products", ["category_id"], schema="orders"
    )
    op.create_index("ix_products_listed", "products", ["created_at", "id"], schema="orders")
    op.create_table(
        "product_prices",
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("list_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint("list_price_fen >= 0", name="ck_product_prices_list_price_fen"),
        sa.ForeignKeyConstraint(["product_id"], ["orders.products.id"]),
        sa.PrimaryKeyConstraint("seq"),
        schema="orders",
    )
    op.create_index(
        "ix_product_prices_product", "product_prices", ["product_id", "seq"], schema="orders"
    )
    op.create_table(
        "catalog_policy",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("sku_check", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_catalog_policy_one_row"),
        sa.CheckConstraint(
            "sku_check IN ('auto', 'strict', 'lenient')", name="ck_catalog_policy_sku_check"
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="orders",
    )


def downgrade() -> None:
    op.drop_table("catalog_policy", schema="orders")
    op.drop_table("product_prices", schema="orders")
    op.drop_table("products", schema="orders")
    op.drop_table("categories", schema="orders")
