"""households: membership changes in order, and members' own qualifying purchases

- ``household_membership_versions`` and ``household_early_changes``, empty: customer
  numbers each member's household changes from now on, and loyalty applies them in that
  order (changes without a number apply as before);
- ``ix_qualifying_purchases_member_time``: a member's own tier measures are their
  purchases whichever account earned them (a household's measures stay its account's).

Revision ID: 7d4a8c6e7fd5
Revises: 8012b0c06302
Create Date: 2026-11-30 07:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7d4a8c6e7fd5"
down_revision: str | None = "8012b0c06302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household_membership_versions",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 0", name="ck_household_membership_versions_version"),
        sa.PrimaryKeyConstraint("member_id"),
        schema="loyalty",
    )
    op.create_table(
        "household_early_changes",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 2", name="ck_household_early_changes_version"),
        sa.PrimaryKeyConstraint("member_id", "version"),
        schema="loyalty",
    )

    op.create_index(
        "ix_qualifying_purchases_member_time",
        "qualifying_purchases",
        ["member_id", "purchased_at"],
        schema="loyalty",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_qualifying_purchases_member_time", table_name="qualifying_purchases", schema="loyalty"
    )
    op.drop_table("household_early_changes", schema="loyalty")
    op.drop_table("household_membership_versions", schema="loyalty")
