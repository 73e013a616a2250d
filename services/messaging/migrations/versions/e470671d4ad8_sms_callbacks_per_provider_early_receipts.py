"""SMS callbacks per provider: replies are kept per provider, and early receipts wait

``inbound_sms`` gains the provider that forwarded each reply; a reply is unique per
provider and message id (two providers may number alike). Replies stored before came
through the single callback path, which is the first provider's: they are marked
``primary``, the default name of the first provider. ``early_receipts`` keeps a delivery
receipt that came before the dispatcher recorded its send, until it does.

Revision ID: e470671d4ad8
Revises: a0c5cd8e5f52
Create Date: 2026-12-01 00:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e470671d4ad8"
down_revision: str | None = "a0c5cd8e5f52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "messaging"


def upgrade() -> None:
    op.add_column(
        "inbound_sms",
        sa.Column("provider", sa.String(32), nullable=False, server_default="primary"),
        schema=S,
    )
    op.alter_column("inbound_sms", "provider", server_default=None, schema=S)
    op.drop_constraint("inbound_sms_provider_message_id_key", "inbound_sms", schema=S)
    op.create_unique_constraint(
        "uq_inbound_sms_provider_message",
        "inbound_sms",
        ["provider", "provider_message_id"],
        schema=S,
    )
    op.create_table(
        "early_receipts",
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", "message_id", name="pk_early_receipts"),
        sa.CheckConstraint(
            "status IN ('delivered', 'failed', 'unknown')", name="ck_early_receipts_status"
        ),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("early_receipts", schema=S)
    # a message id two providers share keeps the first reply stored of it
    op.execute(
        "DELETE FROM messaging.inbound_sms AS later USING messaging.inbound_sms AS first "
        "WHERE later.provider_message_id = first.provider_message_id "
        "AND (later.created_at, later.id) > (first.created_at, first.id)"
    )
    op.drop_constraint("uq_inbound_sms_provider_message", "inbound_sms", schema=S)
    op.create_unique_constraint(
        "inbound_sms_provider_message_id_key", "inbound_sms", ["provider_message_id"], schema=S
    )
    op.drop_column("inbound_sms", "provider", schema=S)
