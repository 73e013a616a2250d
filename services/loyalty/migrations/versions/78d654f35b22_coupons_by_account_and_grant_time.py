"""coupons: an index to page an account's coupons, the latest granted first

``GET /members/{id}/coupons`` now pages by ``(granted_at, id)``; a member holding coupons
for years would otherwise sort all of them for every page.

Revision ID: 78d654f35b22
Revises: 853503112d80
Create Date: 2026-12-01 19:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "78d654f35b22"
down_revision: str | None = "853503112d80"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_coupons_account_granted",
        "coupons",
        ["account_id", "granted_at", "id"],
        schema="loyalty",
    )


def downgrade() -> None:
    op.drop_index("ix_coupons_account_granted", table_name="coupons", schema="loyalty")
