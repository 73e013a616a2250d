"""product_categories: which category each product of orders' catalog is in

Kept from ``orders.product.changed`` (``shared.product_categories``), so that rules and
figures by category never read orders' schema. Empty until orders' catalog has products.

Revision ID: 7d78a6ac19e1
Revises: a3f6c2e9d147
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

from shared import migrations

revision: str = "7d78a6ac19e1"
down_revision: str | None = "a3f6c2e9d147"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.create_product_categories("loyalty")


def downgrade() -> None:
    migrations.drop_product_categories("loyalty")
