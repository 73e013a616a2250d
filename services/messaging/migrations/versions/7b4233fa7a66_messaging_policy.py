"""message policy: the brand's policy row, deferred notifications with their reason, the
points digests and the daily jobs' days

- ``messaging_policy``: one row of quiet hours, frequency cap, dedupe window and points
  message; no row means the defaults in code.
- ``notifications``: status ``deferred`` (queued until the quiet hours end), ``reason``
  (why suppressed, deferred or cancelled; existing suppressed and cancelled rows take
  their ``error``), and the due index covers deferred rows.
- ``points_digests``: points per member and brand day for the ``daily_digest`` mode.
- ``job_runs``: the days messaging's daily jobs have done.

Revision ID: 7b4233fa7a66
Revises: c4e8a2f6b1d3
Create Date: 2026-11-30 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b4233fa7a66"
down_revision: str | None = "c4e8a2f6b1d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "messaging"
_STATUSES = "'queued', 'sent', 'failed', 'suppressed', 'cancelled'"


def _status_check(statuses: str) -> None:
    op.drop_constraint("ck_notifications_status", "notifications", schema=S)
    op.create_check_constraint(
        "ck_notifications_status", "notifications", f"status IN ({statuses})", schema=S
    )


def _due_index(where: str) -> None:
    op.drop_index("ix_notifications_due", table_name="notifications", schema=S)
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        schema=S,
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.create_table(
        "messaging_policy",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("cap_messages", sa.Integer(), nullable=True),
        sa.Column("cap_days", sa.Integer(), nullable=True),
        sa.Column("dedupe_hours", sa.Integer(), nullable=False),
        sa.Column("points_message", sa.String(24), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_messaging_policy_one_row"),
        sa.CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL)", name="ck_messaging_policy_quiet"
        ),
        sa.CheckConstraint(
            "(cap_messages IS NULL) = (cap_days IS NULL)", name="ck_messaging_policy_cap"
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_table(
        "points_digests",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "day"),
        schema=S,
    )
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
    op.add_column("notifications", sa.Column("reason", sa.String(64), nullable=True), schema=S)
    op.execute(
        "UPDATE messaging.notifications SET reason = left(error, 64) "
        "WHERE status IN ('suppressed', 'cancelled')"
    )
    _status_check(f"{_STATUSES}, 'deferred'")
    _due_index("status IN ('queued', 'deferred')")


def downgrade() -> None:
    # the previous release sends what is queued: a deferred message goes out at once
    op.execute("UPDATE messaging.notifications SET status = 'queued' WHERE status = 'deferred'")
    _due_index("status = 'queued'")
    _status_check(_STATUSES)
    op.drop_column("notifications", "reason", schema=S)
    for table in ("job_runs", "points_digests", "messaging_policy"):
        op.drop_table(table, schema=S)
