"""Email bounces and the suppression list

``email_bounces`` keeps each bounce (hard, soft) or spam complaint the email provider
reported, once per email and kind. ``email_suppressions`` holds the addresses that
bounced hard, by their keyed lookup hash (never the address), until the member's email
changes.

Revision ID: 591022c5f82e
Revises: a28a4c60df76
Create Date: 2026-12-01 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "591022c5f82e"
down_revision: str | None = "a28a4c60df76"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "messaging"


def upgrade() -> None:
    op.create_table(
        "email_bounces",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("diagnostic_code", sa.String(16), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("notification_id", "kind", name="pk_email_bounces"),
        sa.CheckConstraint("kind IN ('hard', 'soft', 'complaint')", name="ck_email_bounces_kind"),
        schema=S,
    )
    op.create_table(
        "email_suppressions",
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_hash"),
        schema=S,
    )
    op.create_index(
        "ix_messaging_email_suppressions_member_id", "email_suppressions", ["member_id"], schema=S
    )


def downgrade() -> None:
    op.drop_index("ix_messaging_email_suppressions_member_id", "email_suppressions", schema=S)
    op.drop_table("email_suppressions", schema=S)
    op.drop_table("email_bounces", schema=S)
