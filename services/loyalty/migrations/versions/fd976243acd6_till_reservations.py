"""points at the till: the till policy, reservations, and their ledger entries

The ledger takes ``till_hold`` (points held for a sale, below zero), ``till_release``
(held points given back, above zero), ``till_refund`` (a returned or voided sale's
points share given back, above zero) and ``till_retake`` (released points taken again for
a sale whose event came late, zero or below). The till policy starts at 100 points per yuan, at
most 50% of a sale, holds of 15 minutes and a day's grace for the sale's event.

Revision ID: fd976243acd6
Revises: f47c9ad93df4
Create Date: 2026-11-30 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fd976243acd6"
down_revision: str | None = "f47c9ad93df4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EARLIER = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true WHEN 'expiry' THEN points <= -1 "
    "WHEN 'recovery' THEN points <= -1 WHEN 'transfer_out' THEN points <= -1 "
    "WHEN 'transfer_in' THEN points >= 1 "
)
BEFORE = _EARLIER + "ELSE false END"
AFTER = (
    _EARLIER + "WHEN 'till_hold' THEN points <= -1 "
    "WHEN 'till_release' THEN points >= 1 WHEN 'till_refund' THEN points >= 1 "
    "WHEN 'till_retake' THEN points <= 0 ELSE false END"
)
SCHEMA = "loyalty"


def _check(condition: str) -> None:
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema=SCHEMA)
    op.create_check_constraint(
        "ck_ledger_entries_source", "ledger_entries", condition, schema=SCHEMA
    )


def upgrade() -> None:
    _check(AFTER)
    op.create_table(
        "till_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("points_per_yuan", sa.Integer(), nullable=False),
        sa.Column("max_share_percent", sa.Integer(), nullable=False),
        sa.Column("hold_minutes", sa.Integer(), nullable=False),
        sa.Column("commit_grace_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_till_policy_single_row"),
        sa.CheckConstraint("points_per_yuan >= 1", name="ck_till_policy_points_per_yuan"),
        sa.CheckConstraint(
            "max_share_percent BETWEEN 0 AND 100", name="ck_till_policy_max_share_percent"
        ),
        sa.CheckConstraint("hold_minutes >= 1", name="ck_till_policy_hold_minutes"),
        sa.CheckConstraint("commit_grace_minutes >= 1", name="ck_till_policy_commit_grace"),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.execute(
        f"INSERT INTO {SCHEMA}.till_policy (id, points_per_yuan, max_share_percent, "
        "hold_minutes, commit_grace_minutes, updated_at) VALUES (1, 100, 50, 15, 1440, now())"
    )
    op.create_table(
        "till_reservations",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("sale_ref", sa.String(64), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("sale_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("points_per_yuan", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("purchase_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_points", sa.BigInteger(), nullable=False),
        sa.Column("release_reason", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('held', 'committed', 'confirmed', 'released')",
            name="ck_till_reservations_status",
        ),
        sa.CheckConstraint(
            "release_reason IS NULL OR release_reason IN ('void', 'sale_failed', 'timeout')",
            name="ck_till_reservations_release_reason",
        ),
        sa.CheckConstraint("points > 0 AND amount_fen > 0", name="ck_till_reservations_amounts"),
        sa.CheckConstraint(
            "refunded_points BETWEEN 0 AND points AND refunded_fen BETWEEN 0 AND amount_fen",
            name="ck_till_reservations_refunds",
        ),
        sa.CheckConstraint(
            "status NOT IN ('committed', 'confirmed') OR purchase_id IS NOT NULL",
            name="ck_till_reservations_purchase",
        ),
        sa.CheckConstraint(
            "(status = 'released') = (release_reason IS NOT NULL)",
            name="ck_till_reservations_released",
        ),
        sa.PrimaryKeyConstraint("reservation_id"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_till_reservations_account_id", "till_reservations", ["account_id"], schema=SCHEMA
    )
    op.create_index(
        "ux_till_reservations_purchase",
        "till_reservations",
        ["purchase_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('committed', 'confirmed')"),
    )
    op.create_index(
        "ix_till_reservations_due",
        "till_reservations",
        ["expires_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('held', 'committed')"),
    )


def downgrade() -> None:
    op.drop_table("till_reservations", schema=SCHEMA)
    op.drop_table("till_policy", schema=SCHEMA)
    # a ledger with till entries cannot go back: the old CHECK refuses them, and entries
    # are never deleted (the ledger is append-only), so the downgrade fails loudly then
    _check(BEFORE)
