"""Search's tables: the short pieces of each member's name, and each staff user's recently
viewed and pinned members."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index, String
from sqlmodel import Field

from services.customer.base import CustomerTable
from shared.tokens import MAX_SUBJECT_LENGTH

_MEMBER = ["customer.members.id"]


def _now() -> datetime:
    return datetime.now(UTC)


def _at() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


class MemberNameGram(CustomerTable, table=True):
    """One 1- or 2-character piece (``gram``) of a member's lower-case name, with the
    member's joining time: the primary key is an index range in page order for every
    member whose name contains the piece, which a trigram index cannot give for one or two
    characters (most Chinese names and their searches are that short)."""

    __tablename__ = "member_name_grams"
    __table_args__ = (
        ForeignKeyConstraint(
            ["member_id"], _MEMBER, name="fk_member_name_grams_member", ondelete="CASCADE"
        ),
        Index("ix_member_name_grams_member", "member_id"),
    )

    gram: str = Field(sa_column=Column(String(2), primary_key=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    member_id: uuid.UUID = Field(primary_key=True)


class RecentMember(CustomerTable, table=True):
    """A member a staff user (the token's ``sub``) viewed, and when last."""

    __tablename__ = "staff_recent_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["member_id"], _MEMBER, name="fk_staff_recent_members_member", ondelete="CASCADE"
        ),
        Index("ix_staff_recent_members_viewed", "staff", "viewed_at"),
    )

    staff: str = Field(sa_column=Column(String(MAX_SUBJECT_LENGTH), primary_key=True))
    member_id: uuid.UUID = Field(primary_key=True)
    viewed_at: datetime = Field(default_factory=_now, sa_column=_at())


class PinnedMember(CustomerTable, table=True):
    """A member a staff user pinned, and when."""

    __tablename__ = "staff_pinned_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["member_id"], _MEMBER, name="fk_staff_pinned_members_member", ondelete="CASCADE"
        ),
        Index("ix_staff_pinned_members_pinned", "staff", "pinned_at", "member_id"),
    )

    staff: str = Field(sa_column=Column(String(MAX_SUBJECT_LENGTH), primary_key=True))
    member_id: uuid.UUID = Field(primary_key=True)
    pinned_at: datetime = Field(default_factory=_now, sa_column=_at())
