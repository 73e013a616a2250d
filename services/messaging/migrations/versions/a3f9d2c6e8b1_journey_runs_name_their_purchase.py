"""a welcome or win-back names the purchase it follows; erasure is final for journeys

``journey_runs.purchase_id`` (nullable): the purchase a first-purchase welcome or a
win-back follows, so a void of that purchase finds its welcome by purchase, not by a due
time recomputed from settings or a timezone that may have changed since. Filled for new
runs; a win-back of before is filled from its occurrence (the purchase id); a welcome of
before stays null (which purchase it followed was never recorded: a void decides it only
when it can be sure, see ``services.messaging.journeys.sales.follow_void``).

``erased_members``: the members erasure reached (``customer.member.erased``), so that a
purchase or a void consumed after it keeps nothing of them; filled from the contacts
erasure left as tombstones (no name, no phone, inactive).

``ix_journey_purchases_purchased_at``: the daily forget's scan of old purchases.

Revision ID: a3f9d2c6e8b1
Revises: b8c7e70fdddb
Create Date: 2026-12-02 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3f9d2c6e8b1"
down_revision: str | None = "b8c7e70fdddb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "messaging"
UUID_TEXT = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def upgrade() -> None:
    op.add_column("journey_runs", sa.Column("purchase_id", sa.Uuid()), schema=SCHEMA)
    op.execute(
        f"""
        UPDATE {SCHEMA}.journey_runs SET purchase_id = occurrence::uuid
        WHERE journey = 'win_back' AND occurrence ~ '{UUID_TEXT}'
        """
    )
    op.create_table(
        "erased_members",
        sa.Column("member_id", sa.Uuid(), primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.execute(
        f"""
        INSERT INTO {SCHEMA}.erased_members (member_id, erased_at)
        SELECT member_id, updated_at FROM {SCHEMA}.contacts
        WHERE NOT active AND name_encrypted = '' AND phone_encrypted = ''
        ON CONFLICT (member_id) DO NOTHING
        """
    )
    op.create_index(
        "ix_journey_purchases_purchased_at",
        "journey_purchases",
        ["purchased_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_journey_purchases_purchased_at", "journey_purchases", schema=SCHEMA)
    op.drop_table("erased_members", schema=SCHEMA)
    op.drop_column("journey_runs", "purchase_id", schema=SCHEMA)
