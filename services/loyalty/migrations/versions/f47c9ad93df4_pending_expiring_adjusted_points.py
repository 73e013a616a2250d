"""pending and expiring points, staff adjustments, shortfall recoveries, daily jobs

- ``points_policy``: the brand's one row of points settings (return window, expiry,
  notice days, shortfall payback); no row means the defaults, today's behaviour.
- ``expiry_notices``: lots whose coming expiry was announced, once each.
- ``adjustments``: the audit of staff adjustments (who, why), one per adjustment entry.
- ``recoveries``: which purchase's earnings paid back which reversal's shortfall.
- ``job_runs``: the days each daily job (the expiry) has done.
- the ledger takes ``expiry`` and ``recovery`` entries (both below zero): only the source
  CHECK changes; lots get a CHECK that none is available before it is earned, and an
  index of the open lots that expire (the daily job's scan); reversal entries with a
  shortfall get an index of their own (``GET /shortfalls``).

No existing row is touched: every lot stays available and never expiring.

Revision ID: f47c9ad93df4
Revises: 6c90bd357639
Create Date: 2026-11-30 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f47c9ad93df4"
down_revision: str | None = "6c90bd357639"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"
BEFORE = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true WHEN 'transfer_out' THEN points <= -1 "
    "WHEN 'transfer_in' THEN points >= 1 ELSE false END"
)
AFTER = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true WHEN 'expiry' THEN points <= -1 "
    "WHEN 'recovery' THEN points <= -1 WHEN 'transfer_out' THEN points <= -1 "
    "WHEN 'transfer_in' THEN points >= 1 ELSE false END"
)


def _check(condition: str) -> None:
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema=S)
    op.create_check_constraint("ck_ledger_entries_source", "ledger_entries", condition, schema=S)


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    _check(AFTER)
    op.create_check_constraint(
        "ck_point_lots_available", "point_lots", "available_at >= earned_at", schema=S
    )
    op.create_index(
        "ix_point_lots_expiring",
        "point_lots",
        ["expires_at"],
        schema=S,
        postgresql_where=sa.text("remaining > 0 AND expires_at IS NOT NULL"),
    )
    op.create_index(
        "ix_ledger_entries_shortfall",
        "ledger_entries",
        ["account_id", "seq"],
        schema=S,
        postgresql_where=sa.text("shortfall > 0"),
    )
    op.create_table(
        "points_policy",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("return_window_days", sa.Integer(), nullable=False),
        sa.Column("expiry", sa.String(32), nullable=False),
        sa.Column("expiry_months", sa.Integer(), nullable=True),
        sa.Column("expiring_notice_days", sa.Integer(), nullable=False),
        sa.Column("shortfall_payback", sa.Boolean(), nullable=False),
        _timestamp("updated_at"),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_points_policy_one_row"),
        sa.CheckConstraint(
            "return_window_days BETWEEN 0 AND 60", name="ck_points_policy_return_window"
        ),
        sa.CheckConstraint(
            "expiry IN ('never', 'months_after_earning', 'end_of_year_after_earning')",
            name="ck_points_policy_expiry",
        ),
        sa.CheckConstraint(
            "(expiry = 'months_after_earning') = (expiry_months IS NOT NULL) AND "
            "(expiry_months IS NULL OR expiry_months BETWEEN 3 AND 120)",
            name="ck_points_policy_expiry_months",
        ),
        sa.CheckConstraint(
            "expiring_notice_days BETWEEN 1 AND 90", name="ck_points_policy_notice_days"
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_table(
        "expiry_notices",
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        _timestamp("announced_at"),
        sa.PrimaryKeyConstraint("lot_id"),
        schema=S,
    )
    op.create_index("ix_expiry_notices_account_id", "expiry_notices", ["account_id"], schema=S)
    op.create_table(
        "adjustments",
        sa.Column("adjustment_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("staff", sa.String(255), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint("points <> 0", name="ck_adjustments_points"),
        sa.PrimaryKeyConstraint("adjustment_id"),
        schema=S,
    )
    op.create_index("ix_adjustments_account_id", "adjustments", ["account_id"], schema=S)
    op.create_table(
        "recoveries",
        sa.Column("purchase_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint("points > 0", name="ck_recoveries_points"),
        sa.PrimaryKeyConstraint("purchase_id", "entry_id"),
        schema=S,
    )
    op.create_index("ix_recoveries_entry_id", "recoveries", ["entry_id"], schema=S)
    op.create_index("ix_recoveries_account_id", "recoveries", ["account_id"], schema=S)
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column(
            "finished_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("job", "day"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("job_runs", "recoveries", "adjustments", "expiry_notices", "points_policy"):
        op.drop_table(table, schema=S)
    op.drop_index("ix_ledger_entries_shortfall", "ledger_entries", schema=S)
    op.drop_index("ix_point_lots_expiring", "point_lots", schema=S)
    op.drop_constraint("ck_point_lots_available", "point_lots", schema=S)
    # a ledger with expiry or recovery entries cannot go back: the old CHECK refuses them,
    # and entries are never deleted, so the downgrade fails loudly then
    _check(BEFORE)
