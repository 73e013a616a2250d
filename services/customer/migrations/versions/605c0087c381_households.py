"""households: a household and its members, one household per member

Two new tables, empty; no existing row changes.

Revision ID: 605c0087c381
Revises: 5b0cbf95872c
Create Date: 2026-11-30 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "605c0087c381"
down_revision: str | None = "5b0cbf95872c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("head_member_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dissolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["head_member_id"], ["customer.members.id"], name="fk_households_head_member"
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="customer",
    )
    op.create_index(
        op.f("ix_customer_households_head_member_id"),
        "households",
        ["head_member_id"],
        schema="customer",
    )
    op.create_table(
        "household_members",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('head', 'member')", name="ck_household_members_role"),
        sa.ForeignKeyConstraint(
            ["household_id"], ["customer.households.id"], name="fk_household_members_household"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["customer.members.id"], name="fk_household_members_member"
        ),
        sa.PrimaryKeyConstraint("member_id"),
        schema="customer",
    )
    op.create_index(
        op.f("ix_customer_household_members_household_id"),
        "household_members",
        ["household_id"],
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("household_members", schema="customer")
    op.drop_table("households", schema="customer")
