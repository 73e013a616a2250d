"""journeys: runs as due work, the brand's journey settings, birthdays and timezones on contacts

A run is one member's message of one journey for one occurrence (unique), inserted with
the event that causes it and claimed by the journey worker with SKIP LOCKED. Contacts keep
the birthday's month and day (not the year) and their phone number's timezone; contacts
stored before keep none until their member's next registration replay or profile edit
(the brand's timezone is taken meanwhile). Every member already known is an existing
customer: their welcome after a first purchase is recorded skipped, or the first purchase
messaging sees of each would thank them for their first.

Revision ID: a0c5cd8e5f52
Revises: c7e2a9d4f1b8
Create Date: 2026-12-01 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0c5cd8e5f52"
down_revision: str | None = "c7e2a9d4f1b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "messaging"


def upgrade() -> None:
    op.add_column("contacts", sa.Column("birth_month", sa.SmallInteger()), schema=SCHEMA)
    op.add_column("contacts", sa.Column("birth_day", sa.SmallInteger()), schema=SCHEMA)
    op.add_column("contacts", sa.Column("time_zone", sa.String(64)), schema=SCHEMA)
    op.create_table(
        "journey_runs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("journey", sa.String(32), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("occurrence", sa.String(64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "context",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("reason", sa.String(64)),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.UniqueConstraint(
            "journey", "member_id", "occurrence", name="uq_journey_runs_occurrence"
        ),
        sa.CheckConstraint(
            "journey IN ('first_purchase_welcome', 'birthday', 'holiday', 'win_back')",
            name="ck_journey_runs_journey",
        ),
        sa.CheckConstraint(
            "(done_at IS NULL AND outcome IS NULL) OR "
            "(done_at IS NOT NULL AND outcome IN ('notified', 'expired', 'skipped'))",
            name="ck_journey_runs_outcome",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_journey_runs_due",
        "journey_runs",
        ["due_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index(
        "ix_journey_runs_member", "journey_runs", ["member_id", "journey"], schema=SCHEMA
    )
    op.create_index("ix_journey_runs_created", "journey_runs", ["created_at", "id"], schema=SCHEMA)
    op.execute(
        "INSERT INTO messaging.journey_runs "
        "(id, journey, member_id, occurrence, due_at, expires_at, done_at, outcome, reason) "
        "SELECT gen_random_uuid(), 'first_purchase_welcome', member_id, 'first-purchase', "
        "now(), now(), now(), 'skipped', "
        "'an existing customer: imported, or a member before journeys' "
        "FROM messaging.contacts"
    )
    op.create_table(
        "journey_settings",
        sa.Column("id", sa.SmallInteger(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("send_at", sa.Time(), nullable=False),
        sa.Column("welcome_enabled", sa.Boolean(), nullable=False),
        sa.Column("welcome_after_days", sa.SmallInteger(), nullable=False),
        sa.Column("welcome_until_days", sa.SmallInteger(), nullable=False),
        sa.Column("birthday_enabled", sa.Boolean(), nullable=False),
        sa.Column("holiday_enabled", sa.Boolean(), nullable=False),
        sa.Column("holidays", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("win_back_enabled", sa.Boolean(), nullable=False),
        sa.Column("win_back_days", sa.SmallInteger(), nullable=False),
        sa.Column("win_back_expires_days", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_journey_settings_one_row"),
        sa.CheckConstraint(
            "welcome_after_days <= welcome_until_days", name="ck_journey_settings_welcome"
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("journey_settings", schema=SCHEMA)
    op.drop_table("journey_runs", schema=SCHEMA)
    op.drop_column("contacts", "time_zone", schema=SCHEMA)
    op.drop_column("contacts", "birth_day", schema=SCHEMA)
    op.drop_column("contacts", "birth_month", schema=SCHEMA)
