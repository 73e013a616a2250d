"""template texts as data: the versions staff save

Every save of a template (per key, channel and language) is a new row; the highest version
is published; a ``NULL`` text returns to the code's default.

Revision ID: c5e8a2d4f6b1
Revises: 7b4233fa7a66
Create Date: 2026-11-30 21:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e8a2d4f6b1"
down_revision: str | None = "7b4233fa7a66"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "template_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("template", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reverted_to", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "template", "channel", "locale", "version", name="uq_template_versions"
        ),
        sa.CheckConstraint("version >= 1", name="ck_template_versions_version"),
        sa.CheckConstraint("channel IN ('email', 'sms')", name="ck_template_versions_channel"),
        sa.CheckConstraint(
            "reverted_to IS NULL OR (reverted_to >= 0 AND reverted_to < version)",
            name="ck_template_versions_reverted_to",
        ),
        schema="messaging",
    )


def downgrade() -> None:
    op.drop_table("template_versions", schema="messaging")
