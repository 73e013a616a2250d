"""earning rules as versioned data, and purchases kept for replay

The single earning rule (points per yuan and tier multipliers on ``earning_rule``)
becomes version 1 of ``earning_rule_versions``, in force since 1970, so every sale made
so far is rated as it was; ``earning_rule`` keeps its one row as the program's lock.
Purchases gain what the rules engine needs to replay them (store, sale time, lines with
category path, vouchers) and what it did (the rule version and the breakdown); rows
recorded before stay NULL there and replay as one uncategorised line of their total.

Revision ID: 363dc306530e
Revises: 9847c1408078
Create Date: 2026-11-30 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "363dc306530e"
down_revision: str | None = "9847c1408078"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PURCHASE_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[object]], ...] = (
    ("store_id", sa.Uuid()),
    ("purchased_at", sa.DateTime(timezone=True)),
    ("vouchers_fen", sa.BigInteger()),
    ("lines", postgresql.JSONB(astext_type=sa.Text())),
    ("rule_version", sa.Integer()),
    ("breakdown", postgresql.JSONB(astext_type=sa.Text())),
)


def upgrade() -> None:
    op.create_table(
        "earning_rule_versions",
        sa.Column("version", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema="loyalty",
    )
    op.create_index(
        "ix_earning_rule_versions_effective",
        "earning_rule_versions",
        ["effective_from", "version"],
        schema="loyalty",
    )
    op.execute(
        "INSERT INTO loyalty.earning_rule_versions (effective_from, rules, created_at) "
        "SELECT '1970-01-01T00:00:00Z', jsonb_build_object('points_per_yuan', points_per_yuan, "
        "'tier_multipliers_percent', tier_multipliers_percent), updated_at "
        "FROM loyalty.earning_rule WHERE id = 1"
    )
    op.drop_constraint("ck_earning_rule_points_per_yuan", "earning_rule", schema="loyalty")
    op.drop_column("earning_rule", "points_per_yuan", schema="loyalty")
    op.drop_column("earning_rule", "tier_multipliers_percent", schema="loyalty")
    for name, type_ in _PURCHASE_COLUMNS:
        op.add_column("purchases", sa.Column(name, type_, nullable=True), schema="loyalty")
    op.create_index(
        "ix_purchases_member_purchased",
        "purchases",
        ["member_id", "purchased_at"],
        schema="loyalty",
    )


def downgrade() -> None:
    # back to one rule: the version in force now (purchases keep the points they earned)
    op.drop_index("ix_purchases_member_purchased", "purchases", schema="loyalty")
    for name, _ in _PURCHASE_COLUMNS:
        op.drop_column("purchases", name, schema="loyalty")
    op.add_column(
        "earning_rule", sa.Column("points_per_yuan", sa.Integer(), nullable=True), schema="loyalty"
    )
    op.add_column(
        "earning_rule",
        sa.Column(
            "tier_multipliers_percent", postgresql.JSONB(astext_type=sa.Text()), nullable=True
        ),
        schema="loyalty",
    )
    op.execute(
        "UPDATE loyalty.earning_rule SET points_per_yuan = (v.rules->>'points_per_yuan')::int, "
        "tier_multipliers_percent = coalesce(v.rules->'tier_multipliers_percent', '{}') "
        "FROM (SELECT rules FROM loyalty.earning_rule_versions WHERE effective_from <= now() "
        "ORDER BY effective_from DESC, version DESC LIMIT 1) AS v WHERE id = 1"
    )
    op.alter_column("earning_rule", "points_per_yuan", nullable=False, schema="loyalty")
    op.alter_column("earning_rule", "tier_multipliers_percent", nullable=False, schema="loyalty")
    op.create_check_constraint(
        "ck_earning_rule_points_per_yuan", "earning_rule", "points_per_yuan >= 0", schema="loyalty"
    )
    op.drop_table("earning_rule_versions", schema="loyalty")
