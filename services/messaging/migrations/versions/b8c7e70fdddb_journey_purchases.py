"""journeys keep each member's purchases, so a void moves their welcome and win-back back

``journey_purchases``: one row per purchase id (its member, its time, ``voided_at`` once
voided), written by ``orders.purchase.completed`` and ``orders.purchase.voided`` in either
order. Purchases consumed before this release are not known, but for the one each
win-back run follows (its occurrence is the purchase id): those are recorded, dated
``win_back_days`` (as set now, 90 by default) before the run's due time, which is the
purchase's local day (the journeys read no more of it than the day), so a void of the
next purchase moves the win-back back to it.

Revision ID: b8c7e70fdddb
Revises: d7b3f1a9c5e2
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8c7e70fdddb"
down_revision: str | None = "d7b3f1a9c5e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "messaging"


def upgrade() -> None:
    op.create_table(
        "journey_purchases",
        sa.Column("purchase_id", sa.Uuid(), primary_key=True),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("purchased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_journey_purchases_member",
        "journey_purchases",
        ["member_id", "purchased_at"],
        schema=SCHEMA,
    )
    op.execute(
        f"""
        INSERT INTO {SCHEMA}.journey_purchases (purchase_id, member_id, purchased_at)
        SELECT occurrence::uuid, member_id, due_at - make_interval(days => coalesce(
            (SELECT win_back_days FROM {SCHEMA}.journey_settings WHERE id = 1), 90))
        FROM {SCHEMA}.journey_runs
        WHERE journey = 'win_back'
          AND occurrence ~ '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$'
        ON CONFLICT (purchase_id) DO NOTHING
        """
    )


def downgrade() -> None:
    op.drop_index("ix_journey_purchases_member", "journey_purchases", schema=SCHEMA)
    op.drop_table("journey_purchases", schema=SCHEMA)
