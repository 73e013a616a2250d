"""coupon grants by batch and by rule: batches, birthdays, band rules, tier coupons

A batch of grants is written with a due row per member in the request's transaction;
workers settle the rows (granted with the coupon, or refused with a reason) in chunks.
Birthdays keep the month and day only. The birthday coupon is one row naming a definition.
A yearly-spend band rule runs at most once per year (its run's key), each band a batch.
Tier coupons name the definitions each tier grants its members once a year.

Revision ID: dbf13c43b941
Revises: 14f6d946ea0a
Create Date: 2026-11-30 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "dbf13c43b941"
down_revision: str | None = "14f6d946ea0a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coupon_grant_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("grant_key", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("total >= 1", name="ck_coupon_grant_batches_total"),
        sa.ForeignKeyConstraint(["definition_id"], ["loyalty.coupon_definitions.id"]),
        sa.PrimaryKeyConstraint("id"),
        schema="loyalty",
    )
    op.create_table(
        "coupon_grant_items",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("coupon_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "status IN ('due', 'granted', 'refused')", name="ck_coupon_grant_items_status"
        ),
        sa.CheckConstraint(
            "(status = 'granted') = (coupon_id IS NOT NULL) "
            "AND (status = 'refused') = (reason IS NOT NULL)",
            name="ck_coupon_grant_items_outcome",
        ),
        sa.ForeignKeyConstraint(["batch_id"], ["loyalty.coupon_grant_batches.id"]),
        sa.PrimaryKeyConstraint("batch_id", "member_id"),
        schema="loyalty",
    )
    op.create_index(
        "ix_coupon_grant_items_due",
        "coupon_grant_items",
        ["batch_id", "member_id"],
        schema="loyalty",
        postgresql_where=sa.text("status = 'due'"),
    )
    op.create_table(
        "member_birthdays",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "month BETWEEN 1 AND 12 AND day BETWEEN 1 AND 31", name="ck_member_birthdays_day"
        ),
        sa.PrimaryKeyConstraint("member_id"),
        schema="loyalty",
    )
    op.create_index(
        "ix_member_birthdays_day",
        "member_birthdays",
        ["month", "day", "member_id"],
        schema="loyalty",
    )
    op.create_table(
        "birthday_coupon",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_birthday_coupon_single_row"),
        sa.ForeignKeyConstraint(["definition_id"], ["loyalty.coupon_definitions.id"]),
        sa.PrimaryKeyConstraint("id"),
        schema="loyalty",
    )

    op.create_table(
        "coupon_band_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("bands", postgresql.JSONB(), nullable=False),
        sa.Column("run_on_month", sa.SmallInteger(), nullable=True),
        sa.Column("run_on_day", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "(run_on_month IS NULL) = (run_on_day IS NULL) "
            "AND (run_on_month IS NULL OR run_on_month BETWEEN 1 AND 12) "
            "AND (run_on_day IS NULL OR run_on_day BETWEEN 1 AND 28)",
            name="ck_coupon_band_rules_run_on",
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="loyalty",
    )
    op.create_table(
        "coupon_band_runs",
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("bands", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["loyalty.coupon_band_rules.id"]),
        sa.PrimaryKeyConstraint("rule_id", "year"),
        schema="loyalty",
    )
    op.create_table(
        "tier_coupons",
        sa.Column("tier_code", sa.String(length=32), nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["definition_id"], ["loyalty.coupon_definitions.id"]),
        sa.PrimaryKeyConstraint("tier_code", "definition_id"),
        schema="loyalty",
    )


def downgrade() -> None:
    op.drop_table("tier_coupons", schema="loyalty")
    op.drop_table("coupon_band_runs", schema="loyalty")
    op.drop_table("coupon_band_rules", schema="loyalty")
    op.drop_table("birthday_coupon", schema="loyalty")
    op.drop_table("member_birthdays", schema="loyalty")
    op.drop_table("coupon_grant_items", schema="loyalty")
    op.drop_table("coupon_grant_batches", schema="loyalty")
