"""referral rewards: the friend's qualifying purchase, the reward policy, the monthly cap

Existing referrals are all pending: the new columns default to what a pending referral
has (no purchase, 0 fen), so nothing is backfilled.

Revision ID: d4b8e2a6c1f5
Revises: b6f2d8a4c1e3
Create Date: 2026-11-30 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d4b8e2a6c1f5"
down_revision: str | None = "b6f2d8a4c1e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"
_STATES = "'pending', 'qualified', 'rewarded', 'cancelled', 'refused'"
_REASONS = "'returned', 'below_lowest_band', 'monthly_cap', 'same_household'"
_COLUMNS = (
    ("purchase_id", sa.Uuid(), None),
    ("spend_fen", sa.BigInteger(), "0"),
    ("returned_fen", sa.BigInteger(), "0"),
    ("qualified_at", sa.DateTime(timezone=True), None),
    ("due_at", sa.DateTime(timezone=True), None),
    ("attempt_at", sa.DateTime(timezone=True), None),
    ("reason", sa.String(24), None),
    ("coupon_id", sa.Uuid(), None),
    ("definition_id", sa.Uuid(), None),
    ("reward_fen", sa.BigInteger(), None),
    ("policy_version", sa.Integer(), None),
    ("settled_at", sa.DateTime(timezone=True), None),
)


def upgrade() -> None:
    for name, kind, default in _COLUMNS:
        op.add_column(
            "referrals",
            sa.Column(name, kind, nullable=default is None, server_default=default),
            schema=S,
        )
        if default is not None:
            op.alter_column("referrals", name, server_default=None, schema=S)
    op.drop_constraint("ck_referrals_state", "referrals", schema=S)
    op.create_check_constraint("ck_referrals_state", "referrals", f"state IN ({_STATES})", schema=S)
    op.create_check_constraint(
        "ck_referrals_reason", "referrals", f"reason IS NULL OR reason IN ({_REASONS})", schema=S
    )
    op.create_check_constraint(
        "ck_referrals_state_fields",
        "referrals",
        "(state = 'pending') = (purchase_id IS NULL) "
        "AND (state = 'rewarded') = (coupon_id IS NOT NULL) "
        "AND (state IN ('cancelled', 'refused')) = (reason IS NOT NULL) "
        "AND (state IN ('pending', 'qualified')) = (settled_at IS NULL)",
        schema=S,
    )
    op.create_check_constraint(
        "ck_referrals_returned",
        "referrals",
        "returned_fen >= 0 AND returned_fen <= spend_fen",
        schema=S,
    )
    op.create_index("ix_referrals_purchase", "referrals", ["purchase_id"], schema=S)
    op.create_index(
        "ix_referrals_attempt",
        "referrals",
        ["attempt_at"],
        schema=S,
        postgresql_where=sa.text("state = 'qualified'"),
    )
    op.create_table(
        "referral_policy",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("bands", postgresql.JSONB(), nullable=False),
        sa.Column("monthly_cap", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_referral_policy_one_row"),
        sa.CheckConstraint(
            "monthly_cap IS NULL OR monthly_cap >= 1", name="ck_referral_policy_monthly_cap"
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_table(
        "referral_months",
        sa.Column("referrer_member_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("rewarded", sa.Integer(), nullable=False),
        sa.CheckConstraint("rewarded >= 0", name="ck_referral_months_rewarded"),
        sa.PrimaryKeyConstraint("referrer_member_id", "month"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("referral_months", schema=S)
    op.drop_table("referral_policy", schema=S)
    op.drop_index("ix_referrals_attempt", "referrals", schema=S)
    op.drop_index("ix_referrals_purchase", "referrals", schema=S)
    for name in ("ck_referrals_returned", "ck_referrals_state_fields", "ck_referrals_reason"):
        op.drop_constraint(name, "referrals", schema=S)
    op.execute(f"UPDATE {S}.referrals SET state = 'pending'")  # the friends stay known
    op.drop_constraint("ck_referrals_state", "referrals", schema=S)
    op.create_check_constraint("ck_referrals_state", "referrals", "state IN ('pending')", schema=S)
    for name, _, _ in reversed(_COLUMNS):
        op.drop_column("referrals", name, schema=S)
