"""the active webhook subscriptions kept across batches: a version token

``kept_versions``' ``webhook_subscriptions`` row gets a new token from a trigger whenever
a subscription is made or deleted, or its ``active`` or ``event_types`` change (not from a
delivery's failure or success noted on it, which leave both as they were); the consumer
reads the token instead of the subscriptions (``shared.kept``).

Revision ID: d7b3f1a9c5e2
Revises: e6183dc67479
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

from shared.kept import (
    bump_on_change_ddl,
    drop_bump_on_change_ddl,
    drop_kept_versions_ddl,
    kept_versions_ddl,
)

revision: str = "d7b3f1a9c5e2"
down_revision: str | None = "e6183dc67479"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "messaging"
NAME = "webhook_subscriptions"


def upgrade() -> None:
    for statement in kept_versions_ddl(S, [NAME]):
        op.execute(statement)
    columns = ("active", "event_types")
    triggers = bump_on_change_ddl(S, "webhook_subscriptions", NAME, columns=columns, rows=True)
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_bump_on_change_ddl(S, "webhook_subscriptions", NAME):
        op.execute(statement)
    for statement in drop_kept_versions_ddl(S):
        op.execute(statement)
