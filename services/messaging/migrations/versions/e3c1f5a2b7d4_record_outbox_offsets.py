"""record where each outbox row landed in the broker

The relay compares these offsets with the broker's end offsets to notice a broker that
lost its log (the embedded one keeps nothing on disk) and republish what it lost.

Revision ID: e3c1f5a2b7d4
Revises: 7ace618ce87a
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

from shared import migrations

revision: str = "e3c1f5a2b7d4"
down_revision: str | None = "7ace618ce87a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.add_outbox_offsets("messaging")


def downgrade() -> None:
    migrations.drop_outbox_offsets("messaging")
