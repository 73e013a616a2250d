"""coupon grant batches to an audience: its criteria kept, a batch of nobody allowed

A bulk grant may name an audience instead of member ids; the batch keeps the criteria it
was resolved from, and an audience nobody is in makes a finished batch of 0.

Revision ID: eb113b61b4d6
Revises: a9d4f0c2e7b1
Create Date: 2026-11-30 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "eb113b61b4d6"
down_revision: str | None = "a9d4f0c2e7b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "coupon_grant_batches"
_CHECK = "ck_coupon_grant_batches_total"


def upgrade() -> None:
    op.add_column(
        _TABLE,
        sa.Column("audience", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema="loyalty",
    )
    op.drop_constraint(_CHECK, _TABLE, schema="loyalty", type_="check")
    op.create_check_constraint(_CHECK, _TABLE, "total >= 0", schema="loyalty")


def downgrade() -> None:
    # a batch of nobody has no due work and nothing granted: it can go with the column
    op.execute(f"DELETE FROM loyalty.{_TABLE} WHERE total = 0")
    op.drop_constraint(_CHECK, _TABLE, schema="loyalty", type_="check")
    op.create_check_constraint(_CHECK, _TABLE, "total >= 1", schema="loyalty")
    op.drop_column(_TABLE, "audience", schema="loyalty")
