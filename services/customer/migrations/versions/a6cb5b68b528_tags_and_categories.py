"""tags and categories: tags on members, the category tree and members under it

Four new tables, empty. ``member_tags`` and ``member_categories`` are keyed by (tag or
category, the member's joining time, member), so a page of one tag's or one category's
members (its descendants included: ``member_categories`` has a row for the member's own
category, depth 0, and one for each category above it) is an index range in member page
order.

Revision ID: a6cb5b68b528
Revises: d7f2b4a9c1e6
Create Date: 2026-11-30 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a6cb5b68b528"
down_revision: str | None = "d7f2b4a9c1e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = 40


def _at(name: str, **kwargs: bool) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, **kwargs)


def _member_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["member_id"], ["customer.members.id"], name=f"fk_{table}_member", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(_NAME), nullable=False),
        sa.Column("name_key", sa.String(_NAME), nullable=False, unique=True),
        sa.Column("color", sa.String(7), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        schema="customer",
    )
    op.create_table(
        "member_tags",
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        _at("created_at"),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        _at("assigned_at"),
        sa.PrimaryKeyConstraint("tag_id", "created_at", "member_id"),
        sa.ForeignKeyConstraint(["tag_id"], ["customer.tags.id"], name="fk_member_tags_tag"),
        _member_fk("member_tags"),
        schema="customer",
    )
    op.create_index(
        "ix_member_tags_member",
        "member_tags",
        ["member_id", "tag_id"],
        unique=True,
        schema="customer",
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(_NAME), nullable=False),
        sa.Column("name_key", sa.String(_NAME), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["customer.categories.id"], name="fk_categories_parent"
        ),
        schema="customer",
    )
    op.create_index(
        "ix_customer_categories_parent_id", "categories", ["parent_id"], schema="customer"
    )
    op.create_index(
        "ux_categories_sibling_name",
        "categories",
        ["parent_id", "name_key"],
        unique=True,
        postgresql_nulls_not_distinct=True,
        schema="customer",
    )
    op.create_table(
        "member_categories",
        sa.Column("category_id", sa.Uuid(), nullable=False),
        _at("created_at"),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        _at("assigned_at"),
        sa.PrimaryKeyConstraint("category_id", "created_at", "member_id"),
        sa.ForeignKeyConstraint(
            ["category_id"], ["customer.categories.id"], name="fk_member_categories_category"
        ),
        _member_fk("member_categories"),
        schema="customer",
    )
    op.create_index(
        "ix_member_categories_member",
        "member_categories",
        ["member_id", "category_id"],
        unique=True,
        schema="customer",
    )
    op.create_index(
        "ux_member_categories_own",
        "member_categories",
        ["member_id"],
        unique=True,
        postgresql_where=sa.text("depth = 0"),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("member_categories", schema="customer")
    op.drop_table("categories", schema="customer")
    op.drop_table("member_tags", schema="customer")
    op.drop_table("tags", schema="customer")
