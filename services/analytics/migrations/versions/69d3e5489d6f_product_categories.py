"""product_categories: which category each product of orders' catalog is in

Kept from ``orders.product.changed`` (``shared.product_categories``), so that rules and
figures by category never read orders' schema. Empty until orders' catalog has products.

Revision ID: 69d3e5489d6f
Revises: d2b7e5a8c613
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

from shared import migrations

revision: str = "69d3e5489d6f"
down_revision: str | None = "d2b7e5a8c613"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.create_product_categories("analytics")


def downgrade() -> None:
    migrations.drop_product_categories("analytics")
