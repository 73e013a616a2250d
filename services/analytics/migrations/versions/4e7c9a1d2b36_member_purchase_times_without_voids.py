"""Member purchase times without voided sales, and an index to find a member's sales

A void now sets the member's first and last purchase times again from their other sales
not voided; ``ix_purchases_member_purchased_at`` answers that without scanning every
purchase. Members whose times a voided sale set before are corrected here.

Revision ID: 4e7c9a1d2b36
Revises: 69d3e5489d6f
Create Date: 2026-11-30 04:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4e7c9a1d2b36"
down_revision: str | None = "69d3e5489d6f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_purchases_member_purchased_at",
        "purchases",
        ["member_id", "purchased_at"],
        schema="analytics",
    )
    op.execute(
        """
        UPDATE analytics.members AS m
           SET first_purchase_at = kept.first_at, last_purchase_at = kept.last_at
          FROM (SELECT member_id,
                       min(purchased_at) FILTER (WHERE voided_at IS NULL) AS first_at,
                       max(purchased_at) FILTER (WHERE voided_at IS NULL) AS last_at
                  FROM analytics.purchases
                 GROUP BY member_id
                HAVING bool_or(voided_at IS NOT NULL)) AS kept
         WHERE m.member_id = kept.member_id
        """
    )


def downgrade() -> None:
    op.drop_index("ix_purchases_member_purchased_at", table_name="purchases", schema="analytics")
