"""The members table. Phone and email are stored encrypted next to a keyed lookup hash."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    String,
)
from sqlmodel import Field

from services.customer.base import CustomerTable
from shared.codes import SYMBOLS


def _now() -> datetime:
    return datetime.now(UTC)


class Member(CustomerTable, table=True):
    """A member: profile, card number (by joining order) and encrypted contact data.

    ``phone_encrypted`` holds the E.164 number (``+8613812345678``) and ``phone_hash`` its
    lookup hash; a number stored before E.164 that is not a valid mobile number keeps the
    digits it was stored with (see the ``phones as E.164`` migration, 5b0cbf95872c).
    ``referral_code`` is the member's own code in stored form (:mod:`shared.codes`);
    ``referrer_id`` the member whose code they named when they registered, if any.

    Profile lifecycle: ``version`` counts the profile's changes (1 at registration; the
    ``ETag`` of ``GET /members/{id}``); ``address_encrypted`` is encrypted like phone and
    email; ``locked`` (加锁) keeps the profile from being erased, merged or deactivated;
    ``restricted`` (加密客户) shows its contact data only to admin and service staff;
    ``status`` is ``active``, ``inactive`` (since ``deactivated_at``) or ``erased`` (since
    ``erased_at``): an erased member is a tombstone whose personal data is gone and whose
    reads answer 410 (see :mod:`services.customer.privacy`).

    Search: ``surname_initial`` is the upper-case pinyin initial of the surname (``L`` for
    李雷), computed whenever the name is written (see :mod:`services.customer.search`).
    """

    __tablename__ = "members"
    __table_args__ = (
        ForeignKeyConstraint(["referrer_id"], ["customer.members.id"], name="fk_members_referrer"),
        CheckConstraint("status IN ('active', 'inactive', 'erased')", name="ck_members_status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    card_serial: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(start=1), unique=True, nullable=False)
    )
    card_number: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=100)
    surname_initial: str | None = Field(default=None, max_length=1)
    phone_encrypted: str
    phone_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    email_encrypted: str | None = None
    email_hash: str | None = Field(default=None, max_length=64, index=True)
    birthday: date | None = None
    gender: str | None = Field(default=None, max_length=16)
    locale: str = Field(default="zh-CN", max_length=8)
    consent_sms: bool = False
    consent_email: bool = False
    # consent to marketing messages per channel; null (members from before it, imported
    # ones): the channel's consent
    marketing_sms: bool | None = None
    marketing_email: bool | None = None
    store_id: uuid.UUID | None = None
    referral_code: str = Field(sa_column=Column(String(SYMBOLS + 1), unique=True, nullable=False))
    referrer_id: uuid.UUID | None = Field(default=None, index=True)
    address_encrypted: str | None = None
    occupation: str | None = Field(default=None, max_length=100)
    version: int = 1
    locked: bool = False
    restricted: bool = False
    status: str = Field(default="active", max_length=16)
    deactivated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    erased_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
