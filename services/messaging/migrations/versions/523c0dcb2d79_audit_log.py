"""the audit trail: staff changes and unmasked reads, append-only

``audit_log`` (shared.audit) gets a row for every staff request that changed data and
every read of personal data in clear, in the transaction of what it records. The role
keeps INSERT, SELECT and DELETE on it; a trigger refuses UPDATE, TRUNCATE and any DELETE
but the retention purge's.

Revision ID: 523c0dcb2d79
Revises: 0b76d2b1e8ed
Create Date: 2026-12-01 04:00:00
"""

from collections.abc import Sequence

from alembic import op

from shared.audit.ddl import create_audit_log, drop_audit_log

revision: str = "523c0dcb2d79"
down_revision: str | None = "0b76d2b1e8ed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in create_audit_log("messaging"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_audit_log("messaging"):
        op.execute(statement)
