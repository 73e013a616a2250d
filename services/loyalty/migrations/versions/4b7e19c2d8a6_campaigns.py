"""campaigns: their terms and the points of their budget given

Revision ID: 4b7e19c2d8a6
Revises: 05505b663f29
Create Date: 2026-11-30 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4b7e19c2d8a6"
down_revision: str | None = "05505b663f29"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", postgresql.JSONB(), nullable=False),
        sa.Column("multiplier_percent", sa.Integer(), nullable=True),
        sa.Column("bonus_points", sa.BigInteger(), nullable=True),
        sa.Column("bonus_threshold_fen", sa.BigInteger(), nullable=False),
        sa.Column("budget_points", sa.BigInteger(), nullable=True),
        sa.Column("spent_points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_campaigns_window"),
        sa.CheckConstraint(
            "spent_points >= 0 AND (budget_points IS NULL OR spent_points <= budget_points)",
            name="ck_campaigns_budget",
        ),
        sa.CheckConstraint(
            "multiplier_percent IS NOT NULL OR bonus_points IS NOT NULL", name="ck_campaigns_effect"
        ),
        sa.PrimaryKeyConstraint("campaign_id"),
        schema=S,
    )
    op.create_index("ix_campaigns_window", "campaigns", ["starts_at", "ends_at"], schema=S)


def downgrade() -> None:
    op.drop_table("campaigns", schema=S)
