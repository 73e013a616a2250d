"""consent records and profile history: per channel when consent was given or withdrawn,
by whom, under which privacy policy; who changed a profile and when

Two new tables, empty at upgrade: members who joined before keep their consent without a
record (shown as none), and their profile history starts now.

Revision ID: d7f2b4a9c1e6
Revises: c5e8a1f3d9b2
Create Date: 2026-11-30 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d7f2b4a9c1e6"
down_revision: str | None = "c5e8a1f3d9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBJECT = 255


def _member_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["member_id"], ["customer.members.id"], name=f"fk_{table}_member", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "consent_records",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("consented", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(8), nullable=False),
        sa.Column("actor", sa.String(_SUBJECT), nullable=True),
        sa.Column("privacy_policy_version", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("member_id", "channel"),
        _member_fk("consent_records"),
        sa.CheckConstraint("channel IN ('sms', 'email')", name="ck_consent_records_channel"),
        schema="customer",
    )
    op.create_table(
        "profile_changes",
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("fields", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("actor_kind", sa.String(8), nullable=False),
        sa.Column("actor", sa.String(_SUBJECT), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        _member_fk("profile_changes"),
        schema="customer",
    )
    op.create_index(
        "ix_profile_changes_member_seq",
        "profile_changes",
        ["member_id", "seq"],
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("profile_changes", schema="customer")
    op.drop_table("consent_records", schema="customer")
