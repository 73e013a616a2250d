"""Messaging's copy of analytics' saved segments (``analytics.segment.*``), for bulk sends

Revision ID: 0b76d2b1e8ed
Revises: 591022c5f82e
Create Date: 2026-12-01 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from shared import migrations

revision: str = "0b76d2b1e8ed"
down_revision: str | None = "591022c5f82e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.create_segment_copies("messaging")


def downgrade() -> None:
    migrations.drop_segment_copies("messaging")
