"""referrals: who brought whom (老带新), kept from customer.member.referred

One new table, empty: referrals start with the customer release that records them.

Revision ID: a1d5c3e7b9f2
Revises: c4e8b2d6f1a3
Create Date: 2026-11-30 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1d5c3e7b9f2"
down_revision: str | None = "c4e8b2d6f1a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("friend_member_id", sa.Uuid(), nullable=False),
        sa.Column("referrer_member_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('pending')", name="ck_referrals_state"),
        sa.UniqueConstraint("friend_member_id", name="uq_referrals_friend"),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index(
        "ix_referrals_referrer", "referrals", ["referrer_member_id", "referred_at"], schema=S
    )


def downgrade() -> None:
    op.drop_index("ix_referrals_referrer", "referrals", schema=S)
    op.drop_table("referrals", schema=S)
