"""sales keep their tenders, returns what they refunded, and a sale may be voided

``purchases.tenders`` holds the receipt's tenders as JSONB in the sale's own row, so a
sale stays one insert; ``purchase_returns.refunds`` what each return refunded of them.
Both stay NULL for the rows already there: such a sale reads as one unspecified tender of
its total, refunded as far as its lines were returned. ``voided_at`` and ``void_reason``
record a void. No row is rewritten, so the upgrade takes no time on a large table.

Revision ID: c4d8e1a7b305
Revises: 616abc119926
Create Date: 2026-11-30 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c4d8e1a7b305"
down_revision: str | None = "616abc119926"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "purchases", sa.Column("tenders", postgresql.JSONB(), nullable=True), schema="orders"
    )
    op.add_column(
        "purchases",
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        schema="orders",
    )
    op.add_column(
        "purchases", sa.Column("void_reason", sa.String(length=200), nullable=True), schema="orders"
    )
    op.add_column(
        "purchase_returns",
        sa.Column("refunds", postgresql.JSONB(), nullable=True),
        schema="orders",
    )


def downgrade() -> None:
    op.drop_column("purchase_returns", "refunds", schema="orders")
    op.drop_column("purchases", "void_reason", schema="orders")
    op.drop_column("purchases", "voided_at", schema="orders")
    op.drop_column("purchases", "tenders", schema="orders")
