"""household membership versions: each member's count of household changes

One new table, empty: a member's first opening, joining or leaving from now on carries
version 1 in its event (events published before carry none, and loyalty applies those as
it did).

Revision ID: 191b907c2667
Revises: 605c0087c381
Create Date: 2026-11-30 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "191b907c2667"
down_revision: str | None = "605c0087c381"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household_membership_versions",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("version >= 1", name="ck_household_membership_versions_version"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["customer.members.id"], name="fk_household_membership_versions_member"
        ),
        sa.PrimaryKeyConstraint("member_id"),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("household_membership_versions", schema="customer")
