"""members deactivated at customer stop naming anyone at tills

``customer.member.deactivated`` sets ``deactivated_at``; card, phone and id lookups skip
such a member from then on.

Revision ID: e7a2c4f9b1d3
Revises: a9d4f0c2e7b1
Create Date: 2026-11-30 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7a2c4f9b1d3"
down_revision: str | None = "a9d4f0c2e7b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        schema="orders",
    )


def downgrade() -> None:
    op.drop_column("members", "deactivated_at", schema="orders")
