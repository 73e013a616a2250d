"""wake the outbox relay from a trigger

Writers used to send ``pg_notify`` as a statement of their own after every outbox insert;
a statement trigger does it inside the insert and saves a round trip per write.

Revision ID: b8d4e2f6a1c9
Revises: e3c1f5a2b7d4
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

from alembic import op

from shared.outbox import stop_waking_relay_ddl, wake_relay_ddl

revision: str = "b8d4e2f6a1c9"
down_revision: str | None = "e3c1f5a2b7d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in wake_relay_ddl("customer"):
        op.execute(statement)


def downgrade() -> None:
    for statement in stop_waking_relay_ddl("customer"):
        op.execute(statement)
