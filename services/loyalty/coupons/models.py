"""Tables of coupons: definitions (what marketing offers) and the coupons granted of them.

A definition's ``issued`` only moves through ``repository.reserve``; the CHECKs
``issued <= quantity`` and ``issued × face_value_fen <= budget_fen`` refuse an over-issue
whatever the code above does.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, amount_column, now, timestamp_column
from services.loyalty.coupons.kinds import KindName
from shared.codes import SYMBOLS
from shared.tokens import MAX_SUBJECT_LENGTH

MAX_NAME = 80
MAX_GRANT_KEY = 64
COUPON_STATUSES = ("active", "reserved", "redeemed", "expired", "withdrawn")
"""``reserved``: held for a sale in progress at a till (one sale at a time); ``redeemed``:
a recorded sale used it. Both come back to ``active`` on a release or a restore.
``withdrawn``: a campaign's giveaway taken back, unused, when a return left its purchase
below the threshold."""
MAX_NOTICE_DAYS = 90
DEFAULT_NOTICE_DAYS = 3
"""Days before a coupon's validity ends that its holder is told (``loyalty.coupon.expiring``)."""
RESTORE_POLICIES = ("never", "when_below_threshold", "on_full_return")
DEFAULT_RESTORE_POLICY = "when_below_threshold"
_KINDS = ", ".join(f"'{kind}'" for kind in KindName)
_STATUSES = ", ".join(f"'{status}'" for status in COUPON_STATUSES)
_RESTORE = ", ".join(f"'{policy}'" for policy in RESTORE_POLICIES)


class CouponDefinition(LoyaltyTable, table=True):
    """A coupon marketing offers: its kind and terms, scope, validity (a fixed window or
    ``valid_days`` from each grant), the most one member may hold, and a total quantity
    and/or a budget in fen. ``face_value_fen`` is the most one coupon can take off (the
    kind's off, cap, value or gift unit), so ``issued × face_value_fen`` bounds what the
    coupons issued can ever cost."""

    __tablename__ = "coupon_definitions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="ck_coupon_definitions_kind"),
        CheckConstraint("issued >= 0", name="ck_coupon_definitions_issued"),
        CheckConstraint(
            "quantity IS NULL OR issued <= quantity", name="ck_coupon_definitions_quantity"
        ),
        CheckConstraint(
            "budget_fen IS NULL OR issued * face_value_fen <= budget_fen",
            name="ck_coupon_definitions_budget",
        ),
        CheckConstraint(
            "(valid_days IS NULL) = (valid_from IS NOT NULL AND valid_until IS NOT NULL) "
            "AND (valid_days IS NULL OR valid_days >= 1) "
            "AND (valid_from IS NULL OR valid_until > valid_from)",
            name="ck_coupon_definitions_validity",
        ),
        CheckConstraint("per_member_limit >= 1", name="ck_coupon_definitions_per_member_limit"),
        CheckConstraint("face_value_fen >= 1", name="ck_coupon_definitions_face_value"),
        CheckConstraint(
            f"restore_on_return IN ({_RESTORE})", name="ck_coupon_definitions_restore_on_return"
        ),
        CheckConstraint(
            f"expiring_notice_days BETWEEN 1 AND {MAX_NOTICE_DAYS}",
            name="ck_coupon_definitions_notice_days",
        ),
        Index("ix_coupon_definitions_listed", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=MAX_NAME)
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    terms: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    """The kind's terms, as :mod:`services.loyalty.coupons.kinds` reads them."""
    scope: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    """``{"stores": [uuid], "categories": [code], "skus": [sku]}``; empty lists: anywhere."""
    valid_from: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    valid_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    valid_days: int | None = Field(default=None, sa_column=Column(Integer))
    per_member_limit: int = Field(sa_column=Column(Integer, nullable=False))
    quantity: int | None = Field(default=None, sa_column=Column(BigInteger))
    budget_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    face_value_fen: int = Field(sa_column=amount_column())
    issued: int = Field(default=0, sa_column=amount_column())
    stackable: bool = Field(sa_column=Column(Boolean, nullable=False))
    restore_on_return: str = Field(
        default=DEFAULT_RESTORE_POLICY, sa_column=Column(String(24), nullable=False)
    )
    """Whether a return of the sale that redeemed a coupon gives it back (``RESTORE_POLICIES``,
    see :mod:`services.loyalty.till_coupons.domain`)."""
    expiring_notice_days: int = Field(
        default=DEFAULT_NOTICE_DAYS,
        sa_column=Column(Integer, nullable=False, server_default=text(str(DEFAULT_NOTICE_DAYS))),
    )
    """How many days before a coupon's validity ends its holder is told (the daily job)."""
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    created_by: str = Field(max_length=MAX_SUBJECT_LENGTH)


class Coupon(LoyaltyTable, table=True):
    """A coupon granted to a member, held on the member's account (a household shares it).
    One per ``(definition, member, grant_key)``: a grant retried is the same coupon."""

    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="ck_coupons_status"),
        CheckConstraint("valid_until > valid_from", name="ck_coupons_window"),
        UniqueConstraint("definition_id", "member_id", "grant_key", name="uq_coupons_grant"),
        Index("ix_coupons_account", "account_id", "status"),
        Index("ix_coupons_account_granted", "account_id", "granted_at", "id"),
        Index("ix_coupons_expiring", "valid_until", postgresql_where="status = 'active'"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(sa_column=Column(String(SYMBOLS + 1), nullable=False, unique=True))
    definition_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.coupon_definitions.id"), nullable=False)
    )
    account_id: uuid.UUID = Field(nullable=False)
    member_id: uuid.UUID = Field(nullable=False)
    grant_key: str = Field(max_length=MAX_GRANT_KEY)
    status: str = Field(sa_column=Column(String(10), nullable=False))
    valid_from: datetime = Field(sa_column=timestamp_column())
    valid_until: datetime = Field(sa_column=timestamp_column())
    granted_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    campaign_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            ForeignKey(f"{SCHEMA}.campaigns.campaign_id", name="fk_coupons_campaign"),
            nullable=True,
        ),
    )
    """The campaign whose giveaway granted it (None: granted otherwise)."""
    expiring_announced_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    """When ``loyalty.coupon.expiring`` was published for it (once; None: not yet)."""
