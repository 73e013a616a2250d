"""CLV: the fits (their own due work), their members' purchase summaries, the tier history

The tier history starts with each member's tier as analytics knows it: from when it was
changed to it, or, on the tier the account opened with, from the registration (the
upgrade's time when neither is known); the earlier tiers were not kept.

Revision ID: 6382e2046654
Revises: fe73255caaee
Create Date: 2026-12-01 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6382e2046654"
down_revision: str | None = "fe73255caaee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "analytics"


def upgrade() -> None:
    op.create_table(
        "clv_fits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("calibration_end", sa.Date(), nullable=False),
        sa.Column("holdout_end", sa.Date(), nullable=True),
        sa.Column("time_unit", sa.String(length=8), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("repeat_members", sa.Integer(), nullable=True),
        *(
            sa.Column(name, sa.Double(), nullable=True)
            for name in (
                "r",
                "alpha",
                "a",
                "b",
                "p",
                "q",
                "gamma",
                "log_likelihood",
                "spend_log_likelihood",
                "holdout_predicted",
            )
        ),
        sa.Column("holdout_actual", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index(
        "ix_clv_fits_queued",
        "clv_fits",
        ["requested_at"],
        schema=S,
        postgresql_where=sa.text("state = 'queued'"),
    )
    op.create_table(
        "clv_fit_members",
        sa.Column("fit_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=False),
        sa.Column("age_days", sa.Integer(), nullable=False),
        sa.Column("monetary_fen", sa.Double(), nullable=False),
        sa.Column("holdout_purchases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fit_id", "member_id"),
        schema=S,
    )

    op.create_table(
        "tier_history",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tier_code", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "at", "tier_code"),
        schema=S,
    )
    op.execute(
        f"INSERT INTO {S}.tier_history (member_id, at, tier_code)"
        f" SELECT member_id, COALESCE(tier_changed_at, registered_at, now()), tier_code"
        f" FROM {S}.members WHERE tier_code IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("tier_history", schema=S)
    op.drop_table("clv_fit_members", schema=S)
    op.drop_index("ix_clv_fits_queued", "clv_fits", schema=S)
    op.drop_table("clv_fits", schema=S)
