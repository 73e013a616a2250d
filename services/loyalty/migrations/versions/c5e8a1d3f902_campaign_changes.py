"""campaigns: changed and ended early

``updated_at``/``updated_by`` say who last changed a campaign (``PATCH /campaigns/{id}``
or ``POST /campaigns/{id}/end``). The window may be empty (``ends_at = starts_at``): a
campaign ended before it started never ran, and is closed out like any ended one.

Revision ID: c5e8a1d3f902
Revises: eb113b61b4d6
Create Date: 2026-11-30 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e8a1d3f902"
down_revision: str | None = "eb113b61b4d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"


def _window_check(condition: str) -> None:
    op.drop_constraint("ck_campaigns_window", "campaigns", schema=S)
    op.create_check_constraint("ck_campaigns_window", "campaigns", condition, schema=S)


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("updated_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("campaigns", sa.Column("updated_by", sa.String(200)), schema=S)
    _window_check("ends_at >= starts_at")


def downgrade() -> None:
    # a campaign ended before it started never ran: its empty window becomes one microsecond
    op.execute(
        f"UPDATE {S}.campaigns SET ends_at = starts_at + interval '1 microsecond' "
        "WHERE ends_at = starts_at"
    )
    _window_check("ends_at > starts_at")
    op.drop_column("campaigns", "updated_by", schema=S)
    op.drop_column("campaigns", "updated_at", schema=S)
