"""member erasure: a member may be ``erased`` (a tombstone since ``erased_at``)

An erased member keeps their row, id and card serial so ids elsewhere stay valid; their
personal data is gone (see ``services.customer.privacy``). Existing members are not erased.

Revision ID: 9fedb8c50f18
Revises: 3496ba0417fb
Create Date: 2026-12-01 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9fedb8c50f18"
down_revision: str | None = "3496ba0417fb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        schema="customer",
    )
    op.drop_constraint("ck_members_status", "members", schema="customer", type_="check")
    op.create_check_constraint(
        "ck_members_status",
        "members",
        "status IN ('active', 'inactive', 'erased')",
        schema="customer",
    )


def downgrade() -> None:
    # an erased member cannot be told apart from an inactive one by the release before
    op.execute("UPDATE customer.members SET status = 'inactive' WHERE status = 'erased'")
    op.drop_constraint("ck_members_status", "members", schema="customer", type_="check")
    op.create_check_constraint(
        "ck_members_status", "members", "status IN ('active', 'inactive')", schema="customer"
    )
    op.drop_column("members", "erased_at", schema="customer")
