"""tier policy, qualifying purchases, benefits, manual assignments, standings' review

What this does to the data of the previous revision (``7d78a6ac19e1``):

- ``tier_policy``: one row, the lifetime spend policy (today's behaviour).
- ``qualifying_purchases``: one row per recorded purchase, dated by when loyalty recorded
  it (the sale's own time was not kept before), with what its returns took off.
- ``tier_standings``: ``review_at``, ``grace_used`` and ``assigned_until``, empty
  (nothing to review under the lifetime policy, nobody assigned).
- ``tier_benefits`` and ``tier_assignments`` start empty.

Revision ID: 9847c1408078
Revises: 7d78a6ac19e1
Create Date: 2026-11-30 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9847c1408078"
down_revision: str | None = "7d78a6ac19e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_GRACE_PERIODS = 5
MAX_WINDOW_MONTHS = 36


def upgrade() -> None:
    _standings()
    _policy()
    _qualifying_purchases()
    _benefits_and_assignments()


def _standings() -> None:
    op.add_column(
        "tier_standings",
        sa.Column("review_at", sa.DateTime(timezone=True), nullable=True),
        schema="loyalty",
    )
    op.add_column(
        "tier_standings",
        sa.Column("grace_used", sa.SmallInteger(), server_default="0", nullable=False),
        schema="loyalty",
    )
    op.alter_column("tier_standings", "grace_used", server_default=None, schema="loyalty")
    op.add_column(
        "tier_standings",
        sa.Column("assigned_until", sa.DateTime(timezone=True), nullable=True),
        schema="loyalty",
    )
    op.create_check_constraint(
        "ck_tier_standings_grace_used",
        "tier_standings",
        f"grace_used >= 0 AND grace_used <= {MAX_GRACE_PERIODS}",
        schema="loyalty",
    )
    op.create_index(
        "ix_tier_standings_due",
        "tier_standings",
        ["review_at"],
        schema="loyalty",
        postgresql_where=sa.text("review_at IS NOT NULL"),
    )
    op.create_index(
        "ix_tier_standings_assigned_until",
        "tier_standings",
        ["assigned_until"],
        schema="loyalty",
        postgresql_where=sa.text("assigned_until IS NOT NULL"),
    )


def _policy() -> None:
    op.create_table(
        "tier_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("qualify_by", sa.String(length=24), nullable=False),
        sa.Column("window_kind", sa.String(length=16), nullable=False),
        sa.Column("window_months", sa.SmallInteger(), nullable=True),
        sa.Column("grace_periods", sa.SmallInteger(), nullable=False),
        sa.Column("purchase_thresholds", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_tier_policy_single_row"),
        sa.CheckConstraint(
            "qualify_by IN ('spend', 'purchases', 'spend_and_purchases', 'spend_or_purchases')",
            name="ck_tier_policy_qualify_by",
        ),
        sa.CheckConstraint(
            "(window_kind = 'rolling_months' AND window_months BETWEEN 1 AND "
            f"{MAX_WINDOW_MONTHS}) OR (window_kind IN ('lifetime', 'calendar_year') "
            "AND window_months IS NULL)",
            name="ck_tier_policy_window",
        ),
        sa.CheckConstraint(
            f"grace_periods >= 0 AND grace_periods <= {MAX_GRACE_PERIODS}",
            name="ck_tier_policy_grace_periods",
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="loyalty",
    )
    op.execute(
        "INSERT INTO loyalty.tier_policy (id, qualify_by, window_kind, window_months, "
        "grace_periods, purchase_thresholds, updated_at) "
        "VALUES (1, 'spend', 'lifetime', NULL, 0, '{}'::jsonb, now())"
    )


def _qualifying_purchases() -> None:
    op.create_table(
        "qualifying_purchases",
        sa.Column("purchase_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("purchased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("returned_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "returned_fen >= 0 AND returned_fen <= total_fen",
            name="ck_qualifying_purchases_returned_fen",
        ),
        sa.PrimaryKeyConstraint("purchase_id"),
        schema="loyalty",
    )
    op.create_index(
        "ix_qualifying_purchases_account_time",
        "qualifying_purchases",
        ["account_id", "purchased_at"],
        schema="loyalty",
    )
    op.execute(
        "INSERT INTO loyalty.qualifying_purchases (purchase_id, account_id, member_id, "
        "purchased_at, total_fen, returned_fen) "
        "SELECT purchase_id, account_id, member_id, created_at, total_fen, returned_fen "
        "FROM loyalty.purchases"
    )


def _benefits_and_assignments() -> None:
    op.create_table(
        "tier_benefits",
        sa.Column("tier_code", sa.String(length=32), nullable=False),
        sa.Column("discount_percent", sa.SmallInteger(), nullable=False),
        sa.Column("birthday_gift", sa.String(length=64), nullable=True),
        sa.Column("priority_service", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100",
            name="ck_tier_benefits_discount_percent",
        ),
        sa.PrimaryKeyConstraint("tier_code"),
        schema="loyalty",
    )
    op.create_table(
        "tier_assignments",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("from_tier", sa.String(length=32), nullable=False),
        sa.Column("tier_code", sa.String(length=32), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.String(length=255), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id"),
        schema="loyalty",
    )
    op.create_index(
        op.f("ix_loyalty_tier_assignments_member_id"),
        "tier_assignments",
        ["member_id"],
        schema="loyalty",
    )


def downgrade() -> None:
    op.drop_table("tier_assignments", schema="loyalty")
    op.drop_table("tier_benefits", schema="loyalty")
    op.drop_table("qualifying_purchases", schema="loyalty")
    op.drop_table("tier_policy", schema="loyalty")
    op.drop_index("ix_tier_standings_assigned_until", "tier_standings", schema="loyalty")
    op.drop_index("ix_tier_standings_due", "tier_standings", schema="loyalty")
    op.drop_constraint("ck_tier_standings_grace_used", "tier_standings", schema="loyalty")
    op.drop_column("tier_standings", "assigned_until", schema="loyalty")
    op.drop_column("tier_standings", "grace_used", schema="loyalty")
    op.drop_column("tier_standings", "review_at", schema="loyalty")
