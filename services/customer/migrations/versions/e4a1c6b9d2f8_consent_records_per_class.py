"""consent records per class: the channel itself, or marketing messages on it

``consent_records.message_class`` joins the key: every record so far is about the channel
(``channel``); marketing consent changes are recorded as ``marketing`` from now on, with
who, when and under which privacy policy.

Revision ID: e4a1c6b9d2f8
Revises: b5e8d2c7a4f1
Create Date: 2026-11-30 22:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4a1c6b9d2f8"
down_revision: str | None = "b5e8d2c7a4f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "consent_records",
        sa.Column("message_class", sa.String(16), nullable=False, server_default="channel"),
        schema="customer",
    )
    op.create_check_constraint(
        "ck_consent_records_message_class",
        "consent_records",
        "message_class IN ('channel', 'marketing')",
        schema="customer",
    )
    op.drop_constraint("consent_records_pkey", "consent_records", schema="customer")
    op.create_primary_key(
        "consent_records_pkey",
        "consent_records",
        ["member_id", "channel", "message_class"],
        schema="customer",
    )


def downgrade() -> None:
    op.execute("DELETE FROM customer.consent_records WHERE message_class = 'marketing'")
    op.drop_constraint("consent_records_pkey", "consent_records", schema="customer")
    op.create_primary_key(
        "consent_records_pkey", "consent_records", ["member_id", "channel"], schema="customer"
    )
    op.drop_constraint("ck_consent_records_message_class", "consent_records", schema="customer")
    op.drop_column("consent_records", "message_class", schema="customer")
