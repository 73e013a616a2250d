"""The profile history table: one row per change of a profile, field names only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime, ForeignKeyConstraint, Identity, Index, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.customer.base import CustomerTable
from shared.tokens import MAX_SUBJECT_LENGTH


def _now() -> datetime:
    return datetime.now(UTC)


class ProfileChange(CustomerTable, table=True):
    """A change of the member's profile: ``action`` (see
    :data:`services.customer.history.domain.Action`), the ``fields`` it changed (names,
    never values), who (``actor_kind`` member, staff or import; ``actor`` their login) and
    when. ``seq`` orders the changes."""

    __tablename__ = "profile_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_profile_changes_member",
            ondelete="CASCADE",
        ),
        Index("ix_profile_changes_member_seq", "member_id", "seq"),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(), primary_key=True)
    )
    member_id: uuid.UUID
    action: str = Field(max_length=24)
    fields: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(40)), nullable=False)
    )
    actor_kind: str = Field(max_length=8)
    actor: str | None = Field(default=None, max_length=MAX_SUBJECT_LENGTH)
    at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
