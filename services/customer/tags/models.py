"""The tags tables: a tag, and the members it is on (in page order, for search)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index, String, Text
from sqlmodel import Field

from services.customer.base import CustomerTable

MAX_NAME_LENGTH = 40


def _now() -> datetime:
    return datetime.now(UTC)


class Tag(CustomerTable, table=True):
    """A tag (标签) the brand defines. ``name_key`` is the name as compared (NFKC,
    case-folded, :func:`services.customer.tags.domain.name_key`), unique: one deployment
    is one brand, so names are unique per brand. ``color`` is ``#rrggbb`` or ``None``."""

    __tablename__ = "tags"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(MAX_NAME_LENGTH), nullable=False))
    name_key: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    color: str | None = Field(default=None, sa_column=Column(String(7), nullable=True))
    created_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class MemberTag(CustomerTable, table=True):
    """A tag on a member, with the member's joining time (``created_at``, which never
    changes): the primary key is an index range in member page order for every member
    with the tag, so a tag's page at 1M members reads only its rows. ``(member_id,
    tag_id)`` finds a member's tags."""

    __tablename__ = "member_tags"
    __table_args__ = (
        ForeignKeyConstraint(["tag_id"], ["customer.tags.id"], name="fk_member_tags_tag"),
        ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_member_tags_member",
            ondelete="CASCADE",
        ),
        Index("ix_member_tags_member", "member_id", "tag_id", unique=True),
    )

    tag_id: uuid.UUID = Field(primary_key=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    member_id: uuid.UUID = Field(primary_key=True)
    assigned_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
