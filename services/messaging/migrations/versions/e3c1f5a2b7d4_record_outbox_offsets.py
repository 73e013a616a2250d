"""record where each outbox row landed in the broker

The relay compares these offsets with the broker's end offsets to notice a broker that
lost its log (the embedded one keeps nothing on disk) and republish what it lost.

Revision ID: e3c1f5a2b7d4
Revises: 7ace618ce87a
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3c1f5a2b7d4"
down_revision: str | None = "7ace618ce87a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("partition", sa.Integer(), nullable=True), schema="messaging")
    op.add_column("outbox", sa.Column("offset", sa.BigInteger(), nullable=True), schema="messaging")


def downgrade() -> None:
    op.drop_column("outbox", "offset", schema="messaging")
    op.drop_column("outbox", "partition", schema="messaging")
