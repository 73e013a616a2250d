"""bulk sends: broadcasts and their recipients, the campaign of a notification, and what a
bulk send's audience is found by (a contact's card number and tags)

Contacts kept before this have no card number until their card is reissued, and no tags
until their classification next changes: customer publishes differences, not the set.

Revision ID: a28a4c60df76
Revises: e470671d4ad8
Create Date: 2026-12-01 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a28a4c60df76"
down_revision: str | None = "e470671d4ad8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("channels", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("audience", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rate_per_second", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('draft', 'scheduled', 'sending', 'paused', 'cancelled', 'completed')",
            name="ck_broadcasts_state",
        ),
        sa.CheckConstraint("rate_per_second > 0", name="ck_broadcasts_rate"),
        sa.PrimaryKeyConstraint("id"),
        schema="messaging",
    )
    op.create_index(
        "ix_broadcasts_due",
        "broadcasts",
        ["due_at"],
        schema="messaging",
        postgresql_where=sa.text("state IN ('scheduled', 'sending')"),
    )
    op.create_index("ix_broadcasts_created", "broadcasts", ["created_at", "id"], schema="messaging")
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'notified', 'cancelled')", name="ck_broadcast_recipients_state"
        ),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["messaging.broadcasts.id"],
            name="fk_broadcast_recipients_broadcast",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "member_id"),
        schema="messaging",
    )
    op.add_column(
        "notifications", sa.Column("broadcast_id", sa.Uuid(), nullable=True), schema="messaging"
    )
    op.create_index(
        "ix_notifications_broadcast",
        "notifications",
        ["broadcast_id", "status"],
        schema="messaging",
        postgresql_where=sa.text("broadcast_id IS NOT NULL"),
    )
    op.add_column(
        "contacts",
        sa.Column("card_number", sa.String(length=32), nullable=True),
        schema="messaging",
    )
    op.create_index(
        "ix_messaging_contacts_card_number", "contacts", ["card_number"], schema="messaging"
    )
    op.create_table(
        "contact_tags",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "tag_id"),
        schema="messaging",
    )
    op.create_index(
        "ix_contact_tags_tag", "contact_tags", ["tag_id", "member_id"], schema="messaging"
    )


def downgrade() -> None:
    op.drop_index("ix_contact_tags_tag", "contact_tags", schema="messaging")
    op.drop_table("contact_tags", schema="messaging")
    op.drop_index("ix_messaging_contacts_card_number", "contacts", schema="messaging")
    op.drop_column("contacts", "card_number", schema="messaging")
    op.drop_index("ix_notifications_broadcast", "notifications", schema="messaging")
    op.drop_column("notifications", "broadcast_id", schema="messaging")
    op.drop_table("broadcast_recipients", schema="messaging")
    op.drop_index("ix_broadcasts_created", "broadcasts", schema="messaging")
    op.drop_index("ix_broadcasts_due", "broadcasts", schema="messaging")
    op.drop_table("broadcasts", schema="messaging")
