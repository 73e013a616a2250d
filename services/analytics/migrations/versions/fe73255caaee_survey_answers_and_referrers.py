"""survey answers and referrers: what seed 003's cohort KPIs need

``surveys`` keeps each answered ticket survey (``customer.ticket.surveyed``: its member,
score 1 to 5 and time) for the satisfaction rate; ``referrals.referrer_member_id`` says
who brought each friend, for the referral rate of a cohort. Both start empty: survey
answers and referrals recorded before this release have no referrer or answer here.

Revision ID: fe73255caaee
Revises: f6a2c8e4b1d7
Create Date: 2026-12-01 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fe73255caaee"
down_revision: str | None = "f6a2c8e4b1d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "analytics"


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_surveys_score"),
        schema=S,
    )
    op.create_index(
        "ix_surveys_member_answered_at", "surveys", ["member_id", "answered_at"], schema=S
    )
    op.add_column("referrals", sa.Column("referrer_member_id", sa.Uuid(), nullable=True), schema=S)
    op.create_index(
        "ix_analytics_referrals_referrer_member_id", "referrals", ["referrer_member_id"], schema=S
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_referrals_referrer_member_id", "referrals", schema=S)
    op.drop_column("referrals", "referrer_member_id", schema=S)
    op.drop_index("ix_surveys_member_answered_at", "surveys", schema=S)
    op.drop_table("surveys", schema=S)
