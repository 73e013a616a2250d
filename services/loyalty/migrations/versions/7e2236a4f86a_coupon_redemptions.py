"""coupons at the till: coupon_redemptions, reserved/redeemed coupons, restore on return

A coupon is reserved for one sale at a time: the coupon's status moves active → reserved
in one conditional UPDATE, and a unique partial index lets at most one redemption of a
coupon be held, committed or confirmed. A definition says whether a return gives a
redeemed coupon back (restore_on_return, default when_below_threshold).

Revision ID: 7e2236a4f86a
Revises: dbf13c43b941
Create Date: 2026-11-30 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7e2236a4f86a"
down_revision: str | None = "dbf13c43b941"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_USE = "status IN ('held', 'committed', 'confirmed')"


def upgrade() -> None:
    op.drop_constraint("ck_coupons_status", "coupons", schema="loyalty")
    op.create_check_constraint(
        "ck_coupons_status",
        "coupons",
        "status IN ('active', 'reserved', 'redeemed', 'expired', 'withdrawn')",
        schema="loyalty",
    )
    op.add_column(
        "coupon_definitions",
        sa.Column(
            "restore_on_return",
            sa.String(length=24),
            nullable=False,
            server_default="when_below_threshold",
        ),
        schema="loyalty",
    )
    op.alter_column(
        "coupon_definitions", "restore_on_return", server_default=None, schema="loyalty"
    )
    op.create_check_constraint(
        "ck_coupon_definitions_restore_on_return",
        "coupon_definitions",
        "restore_on_return IN ('never', 'when_below_threshold', 'on_full_return')",
        schema="loyalty",
    )
    op.create_table(
        "coupon_redemptions",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("coupon_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("sale_ref", sa.String(length=64), nullable=False),
        sa.Column("lines", postgresql.JSONB(), nullable=False),
        sa.Column("discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("purchase_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_reason", sa.String(length=16), nullable=True),
        sa.Column("returned", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("return_ids", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('held', 'committed', 'confirmed', 'released', 'restored')",
            name="ck_coupon_redemptions_status",
        ),
        sa.CheckConstraint(
            "release_reason IS NULL OR release_reason IN "
            "('void', 'sale_failed', 'timeout', 'returned', 'voided')",
            name="ck_coupon_redemptions_release_reason",
        ),
        sa.CheckConstraint("discount_fen > 0", name="ck_coupon_redemptions_discount"),
        sa.CheckConstraint(
            "status IN ('held', 'released') OR purchase_id IS NOT NULL",
            name="ck_coupon_redemptions_purchase",
        ),
        sa.CheckConstraint(
            "(status IN ('released', 'restored')) = (release_reason IS NOT NULL)",
            name="ck_coupon_redemptions_released",
        ),
        sa.ForeignKeyConstraint(["coupon_id"], ["loyalty.coupons.id"]),
        sa.PrimaryKeyConstraint("reservation_id"),
        schema="loyalty",
    )
    op.create_index(
        "ix_coupon_redemptions_account_id", "coupon_redemptions", ["account_id"], schema="loyalty"
    )
    op.create_index(
        "ix_coupon_redemptions_purchase", "coupon_redemptions", ["purchase_id"], schema="loyalty"
    )
    op.create_index(
        "ix_coupon_redemptions_due",
        "coupon_redemptions",
        ["expires_at"],
        schema="loyalty",
        postgresql_where=sa.text("status IN ('held', 'committed')"),
    )
    op.create_index(
        "ux_coupon_redemptions_in_use",
        "coupon_redemptions",
        ["coupon_id"],
        unique=True,
        schema="loyalty",
        postgresql_where=sa.text(_IN_USE),
    )


def downgrade() -> None:
    op.drop_table("coupon_redemptions", schema="loyalty")
    op.drop_constraint(
        "ck_coupon_definitions_restore_on_return", "coupon_definitions", schema="loyalty"
    )
    op.drop_column("coupon_definitions", "restore_on_return", schema="loyalty")
    # the older release knows no used coupon: a redeemed one must not become usable again
    op.execute("UPDATE loyalty.coupons SET status = 'active' WHERE status = 'reserved'")
    op.execute("UPDATE loyalty.coupons SET status = 'expired' WHERE status = 'redeemed'")
    op.drop_constraint("ck_coupons_status", "coupons", schema="loyalty")
    op.create_check_constraint(
        "ck_coupons_status",
        "coupons",
        "status IN ('active', 'expired', 'withdrawn')",
        schema="loyalty",
    )
