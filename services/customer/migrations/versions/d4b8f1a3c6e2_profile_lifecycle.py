"""profile lifecycle: version (the ETag), address and occupation, lock, restriction, status

Existing members start at version 1, unlocked, unrestricted and active.

Revision ID: d4b8f1a3c6e2
Revises: c2a7e5d9f413
Create Date: 2026-11-30 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4b8f1a3c6e2"
down_revision: str | None = "c2a7e5d9f413"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGS = ("locked", "restricted")


def upgrade() -> None:
    op.add_column(
        "members", sa.Column("address_encrypted", sa.String(), nullable=True), schema="customer"
    )
    op.add_column(
        "members", sa.Column("occupation", sa.String(100), nullable=True), schema="customer"
    )
    op.add_column(
        "members",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        schema="customer",
    )
    for flag in _FLAGS:
        op.add_column(
            "members",
            sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()),
            schema="customer",
        )
    op.add_column(
        "members",
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        schema="customer",
    )
    op.add_column(
        "members",
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        schema="customer",
    )
    for column in ("version", "status", *_FLAGS):
        op.alter_column("members", column, server_default=None, schema="customer")
    op.create_check_constraint(
        "ck_members_status", "members", "status IN ('active', 'inactive')", schema="customer"
    )


def downgrade() -> None:
    op.drop_constraint("ck_members_status", "members", schema="customer", type_="check")
    for column in ("deactivated_at", "status", *_FLAGS, "version", "occupation"):
        op.drop_column("members", column, schema="customer")
    op.drop_column("members", "address_encrypted", schema="customer")
