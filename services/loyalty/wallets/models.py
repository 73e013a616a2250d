"""Tables of stored value: a wallet per loyalty account, its lots (one per deposit), its
ledger, and the deposit-bonus rules' versions. Amounts are fen (``bigint``), times UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column
from shared.tokens import MAX_SUBJECT_LENGTH

KINDS = (
    "deposit",
    "deposit_refund",
    "payment",
    "payment_release",
    "payment_refund",
    "payment_retake",
)
"""Ledger kinds: a deposit credits its lot's principal and bonus; a deposit's refund
debits the principal left (paid back) and the bonus left (forfeited); a payment at a till
debits lots (one entry per lot, source the reservation), its release or a sale's refund
credits them back, a retake debits again (a sale whose event came after the sweep)."""
PAYMENT_DEBITS = ("payment", "payment_retake")
PAYMENT_CREDITS = ("payment_release", "payment_refund")


class Wallet(LoyaltyTable, table=True):
    """An account's stored value: the sums of its ledger, locked by every movement."""

    __tablename__ = "wallets"
    __table_args__ = (
        CheckConstraint("principal_fen >= 0 AND bonus_fen >= 0", name="ck_wallets_not_negative"),
    )

    account_id: uuid.UUID = Field(primary_key=True)
    principal_fen: int = Field(default=0, sa_column=amount_column())
    bonus_fen: int = Field(default=0, sa_column=amount_column())
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class WalletLot(LoyaltyTable, table=True):
    """One deposit: ``principal_fen`` paid in at ``store_id`` with ``bonus_fen`` on top,
    ``remaining_fen`` of both not yet spent (the parts follow from it, see
    :func:`services.loyalty.wallets.domain.left_in`)."""

    __tablename__ = "wallet_lots"
    __table_args__ = (
        CheckConstraint("principal_fen > 0 AND bonus_fen >= 0", name="ck_wallet_lots_amounts"),
        CheckConstraint(
            "remaining_fen BETWEEN 0 AND principal_fen + bonus_fen",
            name="ck_wallet_lots_remaining",
        ),
        Index(
            "ix_wallet_lots_open",
            "account_id",
            "created_at",
            "lot_id",
            postgresql_where=text("remaining_fen > 0"),
        ),
    )

    lot_id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID
    member_id: uuid.UUID
    """Who deposited (the account may be a household's)."""
    store_id: uuid.UUID
    principal_fen: int = Field(sa_column=amount_column())
    bonus_fen: int = Field(sa_column=amount_column())
    remaining_fen: int = Field(sa_column=amount_column())
    rule_version: int | None = Field(default=None, sa_column=Column(Integer))
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    refunded_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    refunded_by_store_id: uuid.UUID | None = None
    """The store that paid the refund out (the liability stays the issuing store's)."""


class WalletEntry(LoyaltyTable, table=True):
    """An immutable ledger line: signed fen of principal and bonus moved on one lot, by
    ``(kind, source_id)`` (a deposit's, a refund's), at the lot's issuing store."""

    __tablename__ = "wallet_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(repr(kind) for kind in KINDS) + ")",
            name="ck_wallet_entries_kind",
        ),
        UniqueConstraint("kind", "source_id", "lot_id", name="uq_wallet_entries_source"),
        Index("ix_wallet_entries_account", "account_id", "seq"),
        Index("ix_wallet_entries_created", "created_at"),
        Index(
            "ix_wallet_entries_reservation",
            "reservation_id",
            postgresql_where=text("reservation_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), nullable=False)
    )
    account_id: uuid.UUID
    lot_id: uuid.UUID
    store_id: uuid.UUID
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    source_id: uuid.UUID
    reservation_id: uuid.UUID | None = None
    """The till reservation a payment's entry belongs to (None for deposits)."""
    principal_fen: int = Field(sa_column=amount_column())
    bonus_fen: int = Field(sa_column=amount_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class BonusRules(LoyaltyTable, table=True):
    """A version of the deposit-bonus tiers; the highest version is in force, a deposit
    records the version it was priced by."""

    __tablename__ = "wallet_bonus_rules"

    version: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    tiers: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    set_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    set_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
