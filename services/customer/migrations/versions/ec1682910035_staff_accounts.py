"""staff accounts: logins (encrypted, found by keyed hash), Argon2id password hashes, roles
with an optional store scope for managers, and the lockout state of failed sign-ins

Revision ID: ec1682910035
Revises: b0a0f77036e1
Create Date: 2026-12-01 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ec1682910035"
down_revision: str | None = "b0a0f77036e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("login_hash", sa.String(64), nullable=False),
        sa.Column("login_encrypted", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'marketing', 'service', 'analyst', 'manager')", name="ck_staff_role"
        ),
        sa.CheckConstraint("store_id IS NULL OR role = 'manager'", name="ck_staff_store_scope"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login_hash"),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("staff", schema="customer")
