"""The joining tables: the brand's policy (one row), each member's qualification and card
fee. Amounts are integer fen. The proof's note is free text staff type (it may hold a name
or an old card number), so it is stored encrypted like contact data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.customer.base import CustomerTable
from shared.tokens import MAX_SUBJECT_LENGTH

RECEIPT_NO_LENGTH = 40


def _now() -> datetime:
    return datetime.now(UTC)


def _at() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


def _member_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["member_id"], ["customer.members.id"], name=f"fk_{table}_member", ondelete="CASCADE"
    )


class JoiningPolicy(CustomerTable, table=True):
    """The brand's one row of joining rules (``id`` 1); no row: open, no card fee.
    ``version`` counts the times it changed."""

    __tablename__ = "joining_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_joining_policy_one_row"),
        CheckConstraint("card_fee_fen >= 0", name="ck_joining_policy_card_fee"),
    )

    id: int = Field(default=1, sa_column=Column(SmallInteger, primary_key=True))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    admits: list[str] = Field(sa_column=Column(ARRAY(String(16)), nullable=False))
    min_purchase_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    card_fee_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(default_factory=_now, sa_column=_at())
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)


class MemberQualification(CustomerTable, table=True):
    """How a member qualified to join, attested by ``attested_by`` (staff) under the
    policy ``policy_version``: a purchase (``receipt_no``, unique: one receipt admits one
    member, and ``amount_fen``) or proof of being an earlier customer (``proof_kind``)."""

    __tablename__ = "member_qualifications"
    __table_args__ = (_member_fk("member_qualifications"),)

    member_id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=16)
    receipt_no: str | None = Field(
        default=None, sa_column=Column(String(RECEIPT_NO_LENGTH), unique=True)
    )
    amount_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    proof_kind: str | None = Field(default=None, max_length=16)
    note_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    policy_version: int
    attested_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
    recorded_at: datetime = Field(default_factory=_now, sa_column=_at())


class CardFee(CustomerTable, table=True):
    """The card fee (卡费) of a member's registration: ``fee_fen`` the policy's fee then,
    ``paid_fen`` what was paid (0 when waived, with ``waived_reason``), the ``tender`` and
    till ``receipt_no`` (unique) of a payment; ``recorded_by`` the staff user."""

    __tablename__ = "card_fees"
    __table_args__ = (
        _member_fk("card_fees"),
        CheckConstraint("paid_fen >= 0 AND fee_fen > 0", name="ck_card_fees_amounts"),
        CheckConstraint(
            "(waived_reason IS NULL) = (receipt_no IS NOT NULL)", name="ck_card_fees_paid_or_waived"
        ),
        Index("ix_card_fees_recorded_at", "recorded_at"),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    fee_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    paid_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    tender: str | None = Field(default=None, max_length=16)
    receipt_no: str | None = Field(
        default=None, sa_column=Column(String(RECEIPT_NO_LENGTH), unique=True)
    )
    waived_reason: str | None = Field(default=None, max_length=200)
    policy_version: int
    recorded_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
    recorded_at: datetime = Field(default_factory=_now, sa_column=_at())
