"""a till's hold may take several stacked coupons: each redemption names its hold

``coupon_redemptions.hold_id``: the hold (one request of a till) the redemption belongs
to; its coupons are held, committed and released together. A redemption held before is
its own hold (``hold_id`` = its ``reservation_id``).

Revision ID: b3e8d5a1c6f2
Revises: c5e8a1d3f902
Create Date: 2026-11-30 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e8d5a1c6f2"
down_revision: str | None = "c5e8a1d3f902"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"


def upgrade() -> None:
    op.add_column("coupon_redemptions", sa.Column("hold_id", sa.Uuid()), schema=S)
    op.execute(f"UPDATE {S}.coupon_redemptions SET hold_id = reservation_id")
    op.alter_column("coupon_redemptions", "hold_id", nullable=False, schema=S)
    op.create_index("ix_coupon_redemptions_hold_id", "coupon_redemptions", ["hold_id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_coupon_redemptions_hold_id", "coupon_redemptions", schema=S)
    op.drop_column("coupon_redemptions", "hold_id", schema=S)
