"""campaigns: a close-out may award a tier for a period

``reward_tier_code`` and ``reward_tier_until`` (the tier's last day in the brand's
timezone) go together, and with ``reward_top_n``: a close-out rewards its top N with
points, a tier for a period, or both.

Revision ID: 108335e003eb
Revises: 8f0d55a98044
Create Date: 2026-11-30 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "108335e003eb"
down_revision: str | None = "8f0d55a98044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"
BEFORE = "(reward_top_n IS NULL) = (reward_points IS NULL)"
AFTER = (
    "(reward_top_n IS NULL) = (reward_points IS NULL AND reward_tier_code IS NULL) "
    "AND (reward_tier_code IS NULL) = (reward_tier_until IS NULL)"
)


def _reward_check(condition: str) -> None:
    op.drop_constraint("ck_campaigns_reward", "campaigns", schema=S)
    op.create_check_constraint("ck_campaigns_reward", "campaigns", condition, schema=S)


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("reward_tier_code", sa.String(32)), schema=S)
    op.add_column("campaigns", sa.Column("reward_tier_until", sa.Date()), schema=S)
    _reward_check(AFTER)


def downgrade() -> None:
    op.execute(
        f"DELETE FROM {S}.campaigns WHERE reward_points IS NULL AND reward_top_n IS NOT NULL"
    )
    _reward_check(BEFORE)
    op.drop_column("campaigns", "reward_tier_until", schema=S)
    op.drop_column("campaigns", "reward_tier_code", schema=S)
