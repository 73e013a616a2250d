"""marketing consent per channel, and an inbox: customer consumes messaging's opt-outs

``members.marketing_sms`` / ``marketing_email``: consent to marketing messages per
channel; null (every member so far) reads as the channel's own consent. Customer now
consumes ``messaging.member.opted_out``, so it gains the inbox and dead-letter tables.

Revision ID: b5e8d2c7a4f1
Revises: df92c91114cc
Create Date: 2026-11-30 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared import migrations

revision: str = "b5e8d2c7a4f1"
down_revision: str | None = "df92c91114cc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for channel in ("sms", "email"):
        op.add_column("members", sa.Column(f"marketing_{channel}", sa.Boolean()), schema="customer")
    migrations.create_inbox("customer")
    migrations.create_dead_letters("customer")
    migrations.add_dead_letter_deferral("customer")


def downgrade() -> None:
    migrations.drop_dead_letter_deferral("customer")
    migrations.drop_dead_letters("customer")
    migrations.drop_inbox("customer")
    for channel in ("sms", "email"):
        op.drop_column("members", f"marketing_{channel}", schema="customer")
