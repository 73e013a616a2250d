"""consent and deactivation applied before the next send: inactive contacts, cancelled
notifications

Contacts are active until customer deactivates the member; a queued notification whose
channel stops reaching its member is ``cancelled`` with a reason.

Revision ID: f1c3a5e7b9d2
Revises: a9d4f0c2e7b1
Create Date: 2026-11-30 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1c3a5e7b9d2"
down_revision: str | None = "a9d4f0c2e7b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'queued', 'sent', 'failed', 'suppressed'"


def _status_check(statuses: str) -> None:
    op.drop_constraint("ck_notifications_status", "notifications", schema="messaging")
    op.create_check_constraint(
        "ck_notifications_status", "notifications", f"status IN ({statuses})", schema="messaging"
    )


def upgrade() -> None:
    op.add_column(
        "contacts",
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        schema="messaging",
    )
    op.alter_column("contacts", "active", server_default=None, schema="messaging")
    _status_check(f"{_STATUSES}, 'cancelled'")


def downgrade() -> None:
    op.execute(
        "UPDATE messaging.notifications SET status = 'suppressed' WHERE status = 'cancelled'"
    )
    _status_check(_STATUSES)
    op.drop_column("contacts", "active", schema="messaging")
