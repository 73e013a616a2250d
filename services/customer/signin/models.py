"""The sign-in tables: one-time SMS codes (hashed), and refresh token families and tokens
(hashed) of members and of staff. Nothing here holds a phone number, a code or a token in clear."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Uuid,
)
from sqlmodel import Field

from services.customer.base import CustomerTable

HASH_LENGTH = 64
"""A hex SHA-256 or HMAC-SHA256."""


def _now() -> datetime:
    return datetime.now(UTC)


def _at(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class SigninCode(CustomerTable, table=True):
    """A code sent to a phone (``phone_hash``, the members' lookup hash of its E.164 form)
    for ``purpose`` ``sign_in`` or ``sign_up``. ``code_hash`` is an HMAC of the code and
    the row's id (:func:`~services.customer.signin.domain.code_hash`). ``member_id`` is the
    phone's member, or, for a phone without one, the id the member signing up with this
    code gets (the message is addressed to it). ``attempts`` counts wrong tries; the code
    is spent once ``used_at`` is set, ``attempts`` reaches the limit or ``expires_at``
    passes."""

    __tablename__ = "signin_codes"
    __table_args__ = (
        CheckConstraint("purpose IN ('sign_in', 'sign_up')", name="ck_signin_codes_purpose"),
        Index("ix_signin_codes_phone_created", "phone_hash", "created_at"),
        Index("ix_signin_codes_expires", "expires_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    phone_hash: str = Field(max_length=HASH_LENGTH)
    code_hash: str = Field(max_length=HASH_LENGTH)
    purpose: str = Field(max_length=8)
    member_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    attempts: int = Field(default=0, sa_column=Column(SmallInteger, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_column=_at())
    expires_at: datetime = Field(sa_column=_at())
    used_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))


class RefreshFamily(CustomerTable, table=True):
    """One sign-in of a member (``member_id``) or of a staff account (``staff_id``; exactly
    one of the two) and every refresh token rotated from it. Revoked (``revoked_at``,
    ``revoked_reason``: ``sign_out``, ``revoke_all``, ``reuse``, and for staff
    ``password`` (changed) or ``disabled``) it refreshes no more."""

    __tablename__ = "refresh_families"
    __table_args__ = (
        CheckConstraint(
            "revoked_reason IN ('sign_out', 'revoke_all', 'reuse', 'password', 'disabled')",
            name="ck_refresh_families_reason",
        ),
        CheckConstraint(
            "(member_id IS NULL) <> (staff_id IS NULL)", name="ck_refresh_families_owner"
        ),
        ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_refresh_families_member",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["staff_id"],
            ["customer.staff.id"],
            name="fk_refresh_families_staff",
            ondelete="CASCADE",
        ),
        Index("ix_refresh_families_member", "member_id"),
        Index("ix_refresh_families_staff", "staff_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    member_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    staff_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    created_at: datetime = Field(default_factory=_now, sa_column=_at())
    revoked_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    revoked_reason: str | None = Field(default=None, sa_column=Column(String(16)))


class RefreshToken(CustomerTable, table=True):
    """A refresh token of a family, by the SHA-256 of its text (``token_hash``): live
    until ``expires_at`` unless ``rotated_at`` says it was exchanged already (a second
    use is reuse: the family is revoked)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        ForeignKeyConstraint(
            ["family_id"],
            ["customer.refresh_families.id"],
            name="fk_refresh_tokens_family",
            ondelete="CASCADE",
        ),
        Index("ix_refresh_tokens_family", "family_id"),
    )

    token_hash: str = Field(primary_key=True, max_length=HASH_LENGTH)
    family_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_column=_at())
    expires_at: datetime = Field(sa_column=_at())
    rotated_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
