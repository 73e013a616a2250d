"""referral facts: one row per referred friend, for the referral rate (老带新)

Empty at first: referrals registered before this release are not in analytics (their
``customer.member.referred`` was published before analytics consumed it).

Revision ID: f6a2c8e4b1d7
Revises: a9d4f0c2e7b1
Create Date: 2026-11-30 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6a2c8e4b1d7"
down_revision: str | None = "a9d4f0c2e7b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "analytics"


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("friend_member_id", sa.Uuid(), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("qualified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rewarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("friend_member_id"),
        schema=S,
    )
    op.create_index("ix_analytics_referrals_referred_at", "referrals", ["referred_at"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_analytics_referrals_referred_at", "referrals", schema=S)
    op.drop_table("referrals", schema=S)
