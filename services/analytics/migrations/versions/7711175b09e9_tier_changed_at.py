"""members.tier_changed_at: the time of the tier change analytics holds

The tier now also comes from ``loyalty.account.opened``, and a tier change that arrives
after a later one (a replay) must not win, so each member keeps when loyalty made the
change it holds. Existing rows keep their tier with no time: the next change replaces it,
as before, and an account opening leaves it alone.

Revision ID: 7711175b09e9
Revises: b8d4e2f6a1c9
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7711175b09e9"
down_revision: str | None = "b8d4e2f6a1c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column("tier_changed_at", sa.DateTime(timezone=True), nullable=True),
        schema="analytics",
    )


def downgrade() -> None:
    op.drop_column("members", "tier_changed_at", schema="analytics")
