"""Loyalty's copy of analytics' saved segments (``analytics.segment.*``), for audiences

Revision ID: 54cb010801b7
Revises: 62de6a9ea48e
Create Date: 2026-12-01 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from shared import migrations

revision: str = "54cb010801b7"
down_revision: str | None = "62de6a9ea48e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.create_segment_copies("loyalty")


def downgrade() -> None:
    migrations.drop_segment_copies("loyalty")
