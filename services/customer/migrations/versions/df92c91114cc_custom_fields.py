"""custom fields: the brand's field definitions and members' values, indexed for search

Two new empty tables: ``custom_fields`` (definitions, keyed by their immutable key) and
``member_field_values`` (one row per member and field, with the member's joining time so
that a search by value is an index range in page order).

Revision ID: df92c91114cc
Revises: f6a9c2d8e1b4
Create Date: 2026-11-30 18:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "df92c91114cc"
down_revision: str | None = "f6a9c2d8e1b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VALUE_INDEXES = ("term", "number", "day")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "custom_fields",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("labels", JSONB(), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("choices", JSONB(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("minimum", sa.BigInteger(), nullable=True),
        sa.Column("maximum", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        _at("retired_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint(
            "type IN ('text', 'number', 'date', 'choice')", name="ck_custom_fields_type"
        ),
        sa.CheckConstraint("status IN ('active', 'retired')", name="ck_custom_fields_status"),
        schema="customer",
    )
    op.create_index(
        "ix_custom_fields_page", "custom_fields", ["created_at", "id"], schema="customer"
    )
    op.create_table(
        "member_field_values",
        sa.Column("field_key", sa.String(40), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        _at("created_at"),
        sa.Column("text_encrypted", sa.String(), nullable=True),
        sa.Column("term", sa.String(64), nullable=True),
        sa.Column("number", sa.BigInteger(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("field_key", "member_id"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_member_field_values_member",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["field_key"], ["customer.custom_fields.key"], name="fk_member_field_values_field"
        ),
        sa.CheckConstraint(
            "num_nonnulls(term, number, day) = 1", name="ck_member_field_values_one_value"
        ),
        schema="customer",
    )
    op.create_index(
        "ix_member_field_values_member", "member_field_values", ["member_id"], schema="customer"
    )
    for column in _VALUE_INDEXES:
        op.create_index(
            f"ix_member_field_values_{column}",
            "member_field_values",
            ["field_key", column, "created_at", "member_id"],
            schema="customer",
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    op.drop_table("member_field_values", schema="customer")
    op.drop_table("custom_fields", schema="customer")
