"""campaigns: their terms and the points of their budget given; the purchases they reached

- ``campaigns``: terms, budget used (``spent_points``), the close-out's reward and when
  it ran (``closed_at``).
- ledger entries of source ``campaign_reward`` (points >= 1): ``ck_ledger_entries_source``
  rebuilt.
- ``campaign_purchases``: each purchase's qualifying spend per campaign and the part of
  it returned since, for leaderboards and close-outs.

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


_EARLIER = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true WHEN 'expiry' THEN points <= -1 "
    "WHEN 'recovery' THEN points <= -1 WHEN 'transfer_out' THEN points <= -1 "
    "WHEN 'transfer_in' THEN points >= 1 WHEN 'till_hold' THEN points <= -1 "
    "WHEN 'till_release' THEN points >= 1 WHEN 'till_refund' THEN points >= 1 "
    "WHEN 'till_retake' THEN points <= 0 WHEN 'reward_order' THEN points <= -1 "
    "WHEN 'reward_refund' THEN points >= 1 "
)
BEFORE = _EARLIER + "ELSE false END"
AFTER = _EARLIER + "WHEN 'campaign_reward' THEN points >= 1 ELSE false END"


def _source_check(condition: str) -> None:
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema=S)
    op.create_check_constraint("ck_ledger_entries_source", "ledger_entries", condition, schema=S)


def upgrade() -> None:
    _source_check(AFTER)
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
        sa.Column("reward_top_n", sa.Integer(), nullable=True),
        sa.Column("reward_points", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "(reward_top_n IS NULL) = (reward_points IS NULL)", name="ck_campaigns_reward"
        ),
        sa.PrimaryKeyConstraint("campaign_id"),
        schema=S,
    )
    op.create_index("ix_campaigns_window", "campaigns", ["starts_at", "ends_at"], schema=S)
    op.create_index(
        "ix_campaigns_open",
        "campaigns",
        ["ends_at"],
        schema=S,
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "campaign_purchases",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("purchase_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("qualifying_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("returned_fen", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "qualifying_fen BETWEEN 0 AND total_fen", name="ck_campaign_purchases_qualifying"
        ),
        sa.CheckConstraint(
            "returned_fen BETWEEN 0 AND total_fen", name="ck_campaign_purchases_returned"
        ),
        sa.CheckConstraint("points >= 0", name="ck_campaign_purchases_points"),
        sa.ForeignKeyConstraint(["campaign_id"], ["loyalty.campaigns.campaign_id"]),
        sa.PrimaryKeyConstraint("campaign_id", "purchase_id"),
        schema=S,
    )
    op.create_index(
        "ix_campaign_purchases_member", "campaign_purchases", ["campaign_id", "member_id"], schema=S
    )
    op.create_index(
        "ix_campaign_purchases_purchase", "campaign_purchases", ["purchase_id"], schema=S
    )


def downgrade() -> None:
    # entries are never deleted: with campaign rewards on the ledger this fails loudly
    _source_check(BEFORE)
    op.drop_table("campaign_purchases", schema=S)
    op.drop_table("campaigns", schema=S)
