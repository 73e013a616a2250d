"""Tables of referrals: one row per friend who registered with a member's code, the
brand's reward policy, and each referrer's rewards per month (the cap's counter)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, now, timestamp_column
from services.loyalty.referrals.domain import REASONS, STATES
from shared.tokens import MAX_SUBJECT_LENGTH

MAX_STATE = 16
MAX_REASON = 24


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Referral(LoyaltyTable, table=True):
    """``referrer_member_id`` brought ``friend_member_id``, who registered at ``referred_at``
    (UTC). The friend is the key's natural owner: a member registers once, so one referral
    per friend, whatever the inbox lets through twice.

    From ``qualified`` on it names the friend's first paid purchase (``purchase_id``, its
    ``spend_fen`` and the ``returned_fen`` its returns and void took inside the window),
    ``due_at`` (the end of that window) and ``attempt_at`` (when the due work next looks at
    it: ``due_at``, later after a refused grant). Once settled, ``settled_at``; rewarded,
    the coupon, its definition and face value and the policy version that priced it."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_among("state", STATES), name="ck_referrals_state"),
        CheckConstraint(
            "reason IS NULL OR " + _among("reason", REASONS), name="ck_referrals_reason"
        ),
        CheckConstraint(
            "(state = 'pending') = (purchase_id IS NULL) "
            "AND (state = 'rewarded') = (coupon_id IS NOT NULL) "
            "AND (state IN ('cancelled', 'refused')) = (reason IS NOT NULL) "
            "AND (state IN ('pending', 'qualified')) = (settled_at IS NULL)",
            name="ck_referrals_state_fields",
        ),
        CheckConstraint(
            "returned_fen >= 0 AND returned_fen <= spend_fen", name="ck_referrals_returned"
        ),
        UniqueConstraint("friend_member_id", name="uq_referrals_friend"),
        Index("ix_referrals_referrer", "referrer_member_id", "referred_at"),
        Index("ix_referrals_purchase", "purchase_id"),
        Index(
            "ix_referrals_attempt",
            "attempt_at",
            postgresql_where=text("state = 'qualified'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    friend_member_id: uuid.UUID
    referrer_member_id: uuid.UUID
    state: str = Field(sa_column=Column(String(MAX_STATE), nullable=False))
    referred_at: datetime = Field(sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    purchase_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid))
    spend_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    returned_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    qualified_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    due_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    attempt_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    reason: str | None = Field(default=None, sa_column=Column(String(MAX_REASON)))
    coupon_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid))
    definition_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid))
    reward_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    policy_version: int | None = Field(default=None, sa_column=Column(Integer))
    settled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class ReferralPolicy(LoyaltyTable, table=True):
    """The brand's one row of referral reward settings (``id`` 1); no row: no bands, no
    cap. ``bands``: ``[{"min_spend_fen": int, "definition_id": uuid}]``, lowest first;
    ``version`` counts the times it was set."""

    __tablename__ = "referral_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_referral_policy_one_row"),
        CheckConstraint(
            "monthly_cap IS NULL OR monthly_cap >= 1", name="ck_referral_policy_monthly_cap"
        ),
    )

    id: int = Field(default=1, sa_column=Column(SmallInteger, primary_key=True))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    bands: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    monthly_cap: int | None = Field(default=None, sa_column=Column(Integer))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)


class ReferralMonth(LoyaltyTable, table=True):
    """How many rewards a referrer was granted in a calendar month of the brand (``month``:
    its first day). Its row lock serialises the cap's count: two due runs cannot both take
    the last place."""

    __tablename__ = "referral_months"
    __table_args__ = (CheckConstraint("rewarded >= 0", name="ck_referral_months_rewarded"),)

    referrer_member_id: uuid.UUID = Field(primary_key=True)
    month: date = Field(sa_column=Column(Date, primary_key=True))
    rewarded: int = Field(default=0, sa_column=Column(Integer, nullable=False))
