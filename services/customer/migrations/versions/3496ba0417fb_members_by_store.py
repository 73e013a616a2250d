"""members by store: ``ix_members_store_created`` (store, joining time, id) reads a store's
members in page order, for the member lists a store-scoped manager gets and ``store_id``

Revision ID: 3496ba0417fb
Revises: bc47304c6f1b
Create Date: 2026-12-01 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "3496ba0417fb"
down_revision: str | None = "bc47304c6f1b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_members_store_created",
        "members",
        ["store_id", "created_at", "id"],
        schema="customer",
    )


def downgrade() -> None:
    op.drop_index("ix_members_store_created", table_name="members", schema="customer")
