"""the attempt of a sale that last committed a till reservation or coupon hold

Orders sends each attempt of a sale (one request; the till's retry is another, under the
same purchase id) with an id of its own, and an undo names the attempt it undoes: an undo
that lands after a later attempt committed the same reservation again is refused, so it
cannot give back what the recorded sale uses.

Revision ID: e7b3c1d9a4f2
Revises: a9c4020d0cca
Create Date: 2026-12-02 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b3c1d9a4f2"
down_revision: str | None = "a9c4020d0cca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("till_reservations", "coupon_redemptions")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("commit_attempt", sa.Uuid(), nullable=True), schema="loyalty"
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "commit_attempt", schema="loyalty")
