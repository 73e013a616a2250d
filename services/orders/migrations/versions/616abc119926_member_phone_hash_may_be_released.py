"""a member's phone hash may be released

Orders learns a member's new phone lookup hash from ``customer.member.updated``. Customer
gives a number to one member at a time, but its events about two members may arrive in
either order: the member who takes a number takes its hash from whoever held it here,
whose own change is on its way, and until it arrives that member has none.

Existing rows keep their hash.

Revision ID: 616abc119926
Revises: faad0e8e3a8b
Create Date: 2026-11-30 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "616abc119926"
down_revision: str | None = "faad0e8e3a8b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column(
        "members", "phone_hash", existing_type=sa.String(64), nullable=True, schema="orders"
    )


def downgrade() -> None:
    # a member without a hash gets one no lookup can produce (hashes are hex)
    op.execute(
        "UPDATE orders.members SET phone_hash = 'released:' || member_id::text "
        "WHERE phone_hash IS NULL"
    )
    op.alter_column(
        "members", "phone_hash", existing_type=sa.String(64), nullable=False, schema="orders"
    )
