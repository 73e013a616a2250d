"""a notification being sent is leased: status ``sending`` until its ``next_attempt_at``

The dispatcher commits its claim before sending and records each outcome on its own, so a
crash repeats only what was in flight; a lease that ran out is claimed again.

Revision ID: c7e2a9d4f1b8
Revises: c7e2a9d4b1f6
Create Date: 2026-11-30 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7e2a9d4f1b8"
down_revision: str | None = "c7e2a9d4b1f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = (
    "'queued', 'deferred', 'sent', 'failed', 'suppressed', 'cancelled', 'delivered', 'undelivered'"
)
_WITH_SENDING = (
    "'queued', 'deferred', 'sending', 'sent', 'failed', 'suppressed', 'cancelled', "
    "'delivered', 'undelivered'"
)


def _status_check(statuses: str) -> None:
    op.drop_constraint("ck_notifications_status", "notifications", schema="messaging")
    op.create_check_constraint(
        "ck_notifications_status", "notifications", f"status IN ({statuses})", schema="messaging"
    )


def _due_index(predicate: str) -> None:
    op.drop_index("ix_notifications_due", table_name="notifications", schema="messaging")
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        schema="messaging",
        postgresql_where=sa.text(predicate),
    )


def upgrade() -> None:
    _status_check(_WITH_SENDING)
    _due_index("status IN ('queued', 'deferred', 'sending')")


def downgrade() -> None:
    # a leased row goes back to the queue: sent again, the provider drops the repeat
    op.execute("UPDATE messaging.notifications SET status = 'queued' WHERE status = 'sending'")
    _due_index("status IN ('queued', 'deferred')")
    _status_check(_BEFORE)
