"""SMS providers and delivery receipts: which provider sent a notification, its segments
and cost, and what the provider's receipt said

A sent SMS becomes ``delivered`` or ``undelivered`` when its provider's receipt arrives;
receipts find their notification by provider and provider message id.

Revision ID: c7e2a9d4b1f6
Revises: c7e2a9d4f6b3
Create Date: 2026-11-30 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7e2a9d4b1f6"
down_revision: str | None = "c7e2a9d4f6b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'queued', 'deferred', 'sent', 'failed', 'suppressed', 'cancelled'"


def _status_check(statuses: str) -> None:
    op.drop_constraint("ck_notifications_status", "notifications", schema="messaging")
    op.create_check_constraint(
        "ck_notifications_status", "notifications", f"status IN ({statuses})", schema="messaging"
    )


def upgrade() -> None:
    for column in (
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("cost_fen", sa.Integer(), nullable=True),
        sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("notifications", column, schema="messaging")
    op.create_index(
        "ix_notifications_provider_message",
        "notifications",
        ["provider", "provider_message_id"],
        schema="messaging",
        postgresql_where=sa.text("provider IS NOT NULL"),
    )
    _status_check(f"{_STATUSES}, 'delivered', 'undelivered'")


def downgrade() -> None:
    op.execute(
        "UPDATE messaging.notifications SET status = 'sent' "
        "WHERE status IN ('delivered', 'undelivered')"
    )
    _status_check(_STATUSES)
    op.drop_index("ix_notifications_provider_message", "notifications", schema="messaging")
    for column in ("receipt_at", "cost_fen", "segments", "provider"):
        op.drop_column("notifications", column, schema="messaging")
