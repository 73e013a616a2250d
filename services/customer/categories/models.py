"""The categories tables: the tree, and which members are under each category."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlmodel import Field

from services.customer.base import CustomerTable
from services.customer.tags.models import MAX_NAME_LENGTH


def _now() -> datetime:
    return datetime.now(UTC)


class Category(CustomerTable, table=True):
    """A category (客户分类); ``parent_id`` ``None`` for a root. ``name_key`` (NFKC,
    case-folded) is unique among siblings: 零售客户 > 新客户 and 团购客户 > 新客户 may both
    exist."""

    __tablename__ = "categories"
    __table_args__ = (
        ForeignKeyConstraint(
            ["parent_id"], ["customer.categories.id"], name="fk_categories_parent"
        ),
        Index(
            "ux_categories_sibling_name",
            "parent_id",
            "name_key",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(MAX_NAME_LENGTH), nullable=False))
    name_key: str = Field(sa_column=Column(Text, nullable=False))
    parent_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class MemberCategory(CustomerTable, table=True):
    """A member under a category: ``depth`` 0 is the member's own category (at most one,
    ``ux_member_categories_own``), ``depth`` n the category n levels above it. One row per
    level makes "a category and its descendants" one index range of the primary key in
    member page order (``created_at`` is the member's joining time), as for tags; a tree
    of at most five levels keeps it to five rows per member."""

    __tablename__ = "member_categories"
    __table_args__ = (
        ForeignKeyConstraint(
            ["category_id"], ["customer.categories.id"], name="fk_member_categories_category"
        ),
        ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_member_categories_member",
            ondelete="CASCADE",
        ),
        Index("ix_member_categories_member", "member_id", "category_id", unique=True),
        Index(
            "ux_member_categories_own",
            "member_id",
            unique=True,
            postgresql_where=text("depth = 0"),
        ),
    )

    category_id: uuid.UUID = Field(primary_key=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    member_id: uuid.UUID = Field(primary_key=True)
    depth: int = Field(sa_column=Column(SmallInteger, nullable=False))
    assigned_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
