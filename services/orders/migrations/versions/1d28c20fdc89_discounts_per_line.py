"""discounts per line: what a sale's discounts took off each line, and where they came from

``purchase_lines.discount_fen`` (0 for every sale before: a constant default, so adding it
rewrites no row) is what the line's discounts took off; a line pays quantity × unit price
less it, never below zero (the CHECK). ``purchases.discounts`` keeps the discounts as sent
with each one's share per line, naming the coupon code each came from; NULL without any.

Revision ID: 1d28c20fdc89
Revises: 2f1332a4eccb
Create Date: 2026-11-30 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "1d28c20fdc89"
down_revision: str | None = "2f1332a4eccb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "purchase_lines",
        sa.Column("discount_fen", sa.BigInteger(), server_default="0", nullable=False),
        schema="orders",
    )
    op.create_check_constraint(
        "ck_purchase_lines_discount",
        "purchase_lines",
        "discount_fen >= 0 AND discount_fen <= quantity * unit_price_fen",
        schema="orders",
    )
    op.add_column(
        "purchases",
        sa.Column("discounts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema="orders",
    )


def downgrade() -> None:
    op.drop_column("purchases", "discounts", schema="orders")
    op.drop_constraint("ck_purchase_lines_discount", "purchase_lines", schema="orders")
    op.drop_column("purchase_lines", "discount_fen", schema="orders")
