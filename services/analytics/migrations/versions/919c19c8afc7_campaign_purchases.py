"""Cohorts: the sales each loyalty campaign reached (from loyalty.points.earned); the
idempotency keys of the POSTs that queue work (a CLV fit)

Sales earned before this release carry no campaign ids, so a campaign that ran before it
has no participants here; its buyers are still a cohort (`campaign_buyers`).

Revision ID: 919c19c8afc7
Revises: 6382e2046654
Create Date: 2026-12-01 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared import migrations

revision: str = "919c19c8afc7"
down_revision: str | None = "6382e2046654"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "analytics"


def upgrade() -> None:
    migrations.create_idempotency_keys(S)
    op.create_table(
        "campaign_purchases",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("purchase_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "purchase_id"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("campaign_purchases", schema=S)
    migrations.drop_idempotency_keys(S)
