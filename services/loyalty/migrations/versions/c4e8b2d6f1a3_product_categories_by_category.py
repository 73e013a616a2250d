"""product_categories: an index by category

A basket's validation, a till's coupon hold and every earn read the ancestors of the sale's
categories by category; without an index each read scans the whole catalog's products.

Revision ID: c4e8b2d6f1a3
Revises: b3e8d5a1c6f2
Create Date: 2026-11-30 13:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c4e8b2d6f1a3"
down_revision: str | None = "b3e8d5a1c6f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_product_categories_category", "product_categories", ["category"], schema="loyalty"
    )


def downgrade() -> None:
    op.drop_index("ix_product_categories_category", "product_categories", schema="loyalty")
