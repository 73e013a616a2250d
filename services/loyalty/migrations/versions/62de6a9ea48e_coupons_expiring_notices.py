"""coupons about to expire are announced: a notice period per definition, the announcement per coupon

Existing definitions take the default notice, 3 days; no existing coupon was announced, so
the first daily run after the upgrade announces those already within their notice.

Revision ID: 62de6a9ea48e
Revises: d4b8e2a6c1f5
Create Date: 2026-12-01 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "62de6a9ea48e"
down_revision: str | None = "d4b8e2a6c1f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"


def upgrade() -> None:
    op.add_column(
        "coupon_definitions",
        sa.Column("expiring_notice_days", sa.Integer(), nullable=False, server_default="3"),
        schema=S,
    )
    op.create_check_constraint(
        "ck_coupon_definitions_notice_days",
        "coupon_definitions",
        "expiring_notice_days BETWEEN 1 AND 90",
        schema=S,
    )
    op.add_column(
        "coupons", sa.Column("expiring_announced_at", sa.DateTime(timezone=True)), schema=S
    )


def downgrade() -> None:
    op.drop_column("coupons", "expiring_announced_at", schema=S)
    op.drop_constraint("ck_coupon_definitions_notice_days", "coupon_definitions", schema=S)
    op.drop_column("coupon_definitions", "expiring_notice_days", schema=S)
