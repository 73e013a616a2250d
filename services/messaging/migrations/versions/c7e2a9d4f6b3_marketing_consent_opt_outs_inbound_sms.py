"""marketing consent and opt-outs on contacts, phone lookup hash, inbound SMS

Contacts gain marketing consent per channel (every contact so far: the channel's
consent, which is what customer's events meant), the time of the member's last opt-out
per channel, and the keyed lookup hash of the phone number (filled as customer events
bring numbers; contacts from before have none until their number is next updated).
``inbound_sms`` keeps members' replies once per provider message id, encrypted.

Revision ID: c7e2a9d4f6b3
Revises: f1c3a5e7b9d2
Create Date: 2026-11-30 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7e2a9d4f6b3"
down_revision: str | None = "f1c3a5e7b9d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for channel in ("sms", "email"):
        op.add_column(
            "contacts",
            sa.Column(f"marketing_{channel}", sa.Boolean(), nullable=False, server_default="f"),
            schema="messaging",
        )
        op.execute(f"UPDATE messaging.contacts SET marketing_{channel} = consent_{channel}")
        op.alter_column("contacts", f"marketing_{channel}", server_default=None, schema="messaging")
        op.add_column(
            "contacts",
            sa.Column(f"{channel}_opted_out_at", sa.DateTime(timezone=True), nullable=True),
            schema="messaging",
        )
    op.add_column(
        "contacts", sa.Column("phone_hash", sa.String(length=64), nullable=True), schema="messaging"
    )
    op.create_index(
        "ix_messaging_contacts_phone_hash", "contacts", ["phone_hash"], schema="messaging"
    )
    op.create_table(
        "inbound_sms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_message_id", sa.String(length=255), nullable=False),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("sender_encrypted", sa.String(), nullable=False),
        sa.Column("text_encrypted", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_message_id"),
        schema="messaging",
    )
    op.create_index(
        "ix_messaging_inbound_sms_sender_hash", "inbound_sms", ["sender_hash"], schema="messaging"
    )


def downgrade() -> None:
    op.drop_table("inbound_sms", schema="messaging")
    op.drop_index("ix_messaging_contacts_phone_hash", "contacts", schema="messaging")
    op.drop_column("contacts", "phone_hash", schema="messaging")
    for channel in ("sms", "email"):
        op.drop_column("contacts", f"{channel}_opted_out_at", schema="messaging")
        op.drop_column("contacts", f"marketing_{channel}", schema="messaging")
