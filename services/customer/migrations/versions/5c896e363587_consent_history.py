"""consent history: every change of a consent record, as it was set

Each record standing when this release migrates becomes its member's first change, so
the history of every channel starts with what was known then.

Revision ID: 5c896e363587
Revises: e4a1c6b9d2f8
Create Date: 2026-12-01 04:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c896e363587"
down_revision: str | None = "e4a1c6b9d2f8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "customer"
_COLUMNS = (
    "member_id, channel, message_class, consented, changed_at, changed_by, actor, "
    "privacy_policy_version"
)


def upgrade() -> None:
    op.create_table(
        "consent_changes",
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("message_class", sa.String(length=16), nullable=False),
        sa.Column("consented", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("privacy_policy_version", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            [f"{S}.members.id"],
            name="fk_consent_changes_member",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq"),
        schema=S,
    )
    op.create_index(
        "ix_consent_changes_member_seq", "consent_changes", ["member_id", "seq"], schema=S
    )
    op.execute(
        f"INSERT INTO {S}.consent_changes ({_COLUMNS}) "
        f"SELECT {_COLUMNS} FROM {S}.consent_records ORDER BY changed_at"
    )


def downgrade() -> None:
    op.drop_index("ix_consent_changes_member_seq", "consent_changes", schema=S)
    op.drop_table("consent_changes", schema=S)
