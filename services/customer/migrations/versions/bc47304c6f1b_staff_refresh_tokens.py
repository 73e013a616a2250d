"""staff refresh tokens: a refresh token family is a member's sign-in or a staff account's
(``staff_id``, exactly one of the two), revoked also when a password changes (``password``)
or the account is disabled (``disabled``)

Revision ID: bc47304c6f1b
Revises: ec1682910035
Create Date: 2026-12-01 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bc47304c6f1b"
down_revision: str | None = "ec1682910035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "refresh_families"
_REASONS = "'sign_out', 'revoke_all', 'reuse'"


def upgrade() -> None:
    op.alter_column(_TABLE, "member_id", nullable=True, schema="customer")
    op.add_column(_TABLE, sa.Column("staff_id", sa.Uuid(), nullable=True), schema="customer")
    op.create_foreign_key(
        "fk_refresh_families_staff",
        _TABLE,
        "staff",
        ["staff_id"],
        ["id"],
        source_schema="customer",
        referent_schema="customer",
        ondelete="CASCADE",
    )
    op.create_index("ix_refresh_families_staff", _TABLE, ["staff_id"], schema="customer")
    op.create_check_constraint(
        "ck_refresh_families_owner",
        _TABLE,
        "(member_id IS NULL) <> (staff_id IS NULL)",
        schema="customer",
    )
    op.drop_constraint("ck_refresh_families_reason", _TABLE, schema="customer")
    op.create_check_constraint(
        "ck_refresh_families_reason",
        _TABLE,
        f"revoked_reason IN ({_REASONS}, 'password', 'disabled')",
        schema="customer",
    )


def downgrade() -> None:
    # staff sign-ins did not exist before: they go (their tokens with them)
    op.execute("DELETE FROM customer.refresh_families WHERE staff_id IS NOT NULL")
    op.drop_constraint("ck_refresh_families_reason", _TABLE, schema="customer")
    op.create_check_constraint(
        "ck_refresh_families_reason", _TABLE, f"revoked_reason IN ({_REASONS})", schema="customer"
    )
    op.drop_constraint("ck_refresh_families_owner", _TABLE, schema="customer")
    op.drop_index("ix_refresh_families_staff", _TABLE, schema="customer")
    op.drop_constraint("fk_refresh_families_staff", _TABLE, schema="customer")
    op.drop_column(_TABLE, "staff_id", schema="customer")
    op.alter_column(_TABLE, "member_id", nullable=False, schema="customer")
