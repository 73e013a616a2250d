"""coupon definitions and the coupons granted of them

A definition counts the coupons issued of it; CHECKs keep that count within its quantity
and its budget (issued × face value ≤ budget_fen). A coupon belongs to a member's account
and is unique per (definition, member, grant key), so a grant retried is one coupon.

Revision ID: 8f0d55a98044
Revises: 4b7e19c2d8a6
Create Date: 2026-11-30 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8f0d55a98044"
down_revision: str | None = "4b7e19c2d8a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coupon_definitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("terms", postgresql.JSONB(), nullable=False),
        sa.Column("scope", postgresql.JSONB(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("per_member_limit", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("budget_fen", sa.BigInteger(), nullable=True),
        sa.Column("face_value_fen", sa.BigInteger(), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("stackable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "kind IN ('threshold_off', 'percent_off', 'cash_voucher', 'free_gift')",
            name="ck_coupon_definitions_kind",
        ),
        sa.CheckConstraint("issued >= 0", name="ck_coupon_definitions_issued"),
        sa.CheckConstraint(
            "quantity IS NULL OR issued <= quantity", name="ck_coupon_definitions_quantity"
        ),
        sa.CheckConstraint(
            "budget_fen IS NULL OR issued * face_value_fen <= budget_fen",
            name="ck_coupon_definitions_budget",
        ),
        sa.CheckConstraint(
            "(valid_days IS NULL) = (valid_from IS NOT NULL AND valid_until IS NOT NULL) "
            "AND (valid_days IS NULL OR valid_days >= 1) "
            "AND (valid_from IS NULL OR valid_until > valid_from)",
            name="ck_coupon_definitions_validity",
        ),
        sa.CheckConstraint("per_member_limit >= 1", name="ck_coupon_definitions_per_member_limit"),
        sa.CheckConstraint("face_value_fen >= 1", name="ck_coupon_definitions_face_value"),
        sa.PrimaryKeyConstraint("id"),
        schema="loyalty",
    )
    op.create_index(
        "ix_coupon_definitions_listed",
        "coupon_definitions",
        ["created_at", "id"],
        schema="loyalty",
    )
    op.create_table(
        "coupons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("grant_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('active', 'expired')", name="ck_coupons_status"),
        sa.CheckConstraint("valid_until > valid_from", name="ck_coupons_window"),
        sa.ForeignKeyConstraint(["definition_id"], ["loyalty.coupon_definitions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("definition_id", "member_id", "grant_key", name="uq_coupons_grant"),
        schema="loyalty",
    )
    op.create_index("ix_coupons_account", "coupons", ["account_id", "status"], schema="loyalty")
    op.create_index(
        "ix_coupons_expiring",
        "coupons",
        ["valid_until"],
        schema="loyalty",
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_table("coupons", schema="loyalty")
    op.drop_table("coupon_definitions", schema="loyalty")
