"""purchases.voided_at: a sale its store voided counts as no sale

Set from ``orders.purchase.voided``; the member's counters drop the sale at the same time
and the KPIs skip it. Existing purchases were never voided (NULL).

Revision ID: d2b7e5a8c613
Revises: 7711175b09e9
Create Date: 2026-11-30 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d2b7e5a8c613"
down_revision: str | None = "7711175b09e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "purchases",
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        schema="analytics",
    )


def downgrade() -> None:
    op.drop_column("purchases", "voided_at", schema="analytics")
