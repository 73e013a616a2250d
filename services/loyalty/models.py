"""Tables of the loyalty schema: the program (tier ladder and earning rule), accounts,
the append-only points ledger and the purchases points were earned on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from shared.db import schema_registry
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.outbox import Emitter, Outbox

SCHEMA = "loyalty"
LEDGER_KINDS = ("earn", "reverse", "redeem", "adjust")


class LoyaltyTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


def _amount() -> Column[int]:
    return Column(BigInteger, nullable=False)


class Tier(LoyaltyTable, table=True):
    __tablename__ = "tiers"
    __table_args__ = (CheckConstraint("threshold_fen >= 0", name="ck_tiers_threshold"),)

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=64)
    threshold_fen: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    benefits: str | None = Field(default=None, sa_column=Column(Text))


class EarningRule(LoyaltyTable, table=True):
    """The single earning rule (``id`` is always 1). Its row is also the program's lock:
    point changes read it ``FOR SHARE``, replacing the ladder takes it ``FOR UPDATE``."""

    __tablename__ = "earning_rule"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_earning_rule_single_row"),
        CheckConstraint("points_per_yuan >= 0", name="ck_earning_rule_points_per_yuan"),
    )

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    points_per_yuan: int = Field(sa_column=Column(Integer, nullable=False))
    tier_multipliers_percent: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime = Field(default_factory=_now, sa_column=_timestamp())


class Account(LoyaltyTable, table=True):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="ck_accounts_balance"),
        CheckConstraint("qualifying_spend_fen >= 0", name="ck_accounts_qualifying_spend"),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    tier_code: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    balance: int = Field(default=0, sa_column=_amount())
    qualifying_spend_fen: int = Field(default=0, sa_column=_amount())
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=_now, sa_column=_timestamp())


class LedgerEntry(LoyaltyTable, table=True):
    """One change of a member's points; rows are appended, never updated or deleted.

    ``seq`` orders a member's entries (the account row lock serialises them), and
    ``shortfall`` is what a reversal could not take back because the points were spent.

    The database holds the ledger's invariants itself: the service role has no UPDATE,
    DELETE or TRUNCATE right on this table (and a trigger refuses them to anyone else), a
    purchase has at most one earn entry, a return at most one entry (``return_id`` is
    unique: a return is reversed as a whole, in proportion to its refund), and each kind
    carries the reference and the sign it must. ``services.loyalty.invariants`` checks
    what constraints cannot express, such as the balance being the sum of the entries.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{kind}'" for kind in LEDGER_KINDS) + ")",
            name="ck_ledger_entries_kind",
        ),
        CheckConstraint("balance_after >= 0", name="ck_ledger_entries_balance_after"),
        CheckConstraint("shortfall >= 0", name="ck_ledger_entries_shortfall"),
        CheckConstraint(
            "kind <> 'earn' OR (purchase_id IS NOT NULL AND points >= 0)",
            name="ck_ledger_entries_earn",
        ),
        CheckConstraint(
            "kind <> 'reverse' OR (purchase_id IS NOT NULL AND return_id IS NOT NULL "
            "AND points <= 0)",
            name="ck_ledger_entries_reverse",
        ),
        CheckConstraint(
            "kind <> 'redeem' OR (redemption_id IS NOT NULL AND points < 0)",
            name="ck_ledger_entries_redeem",
        ),
        ForeignKeyConstraint(
            ["member_id"], ["loyalty.accounts.member_id"], name="fk_ledger_entries_account"
        ),
        ForeignKeyConstraint(
            ["purchase_id"], ["loyalty.purchases.purchase_id"], name="fk_ledger_entries_purchase"
        ),
        Index("ix_ledger_entries_member_seq", "member_id", "seq"),
        Index(
            "ux_ledger_entries_one_earn_per_purchase",
            "purchase_id",
            unique=True,
            postgresql_where=text("kind = 'earn'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(), unique=True, nullable=False)
    )
    member_id: uuid.UUID
    kind: str = Field(max_length=16)
    points: int = Field(sa_column=_amount())
    balance_after: int = Field(sa_column=_amount())
    shortfall: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    purchase_id: uuid.UUID | None = Field(default=None, index=True)
    return_id: uuid.UUID | None = Field(default=None, unique=True)
    redemption_id: uuid.UUID | None = Field(default=None, unique=True)
    event_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_column=_timestamp())


class Purchase(LoyaltyTable, table=True):
    """A purchase points were earned on, kept so that returns reverse in proportion."""

    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("total_fen >= 0", name="ck_purchases_total_fen"),
        CheckConstraint(
            "returned_fen >= 0 AND returned_fen <= total_fen", name="ck_purchases_returned_fen"
        ),
        CheckConstraint(
            "points_reversed >= 0 AND points_reversed <= points_earned",
            name="ck_purchases_points_reversed",
        ),
        ForeignKeyConstraint(
            ["member_id"], ["loyalty.accounts.member_id"], name="fk_purchases_account"
        ),
    )

    purchase_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID = Field(index=True)
    total_fen: int = Field(sa_column=_amount())
    tier_code: str | None = Field(default=None, sa_column=Column(String(32)))
    """The member's tier before the purchase, whose multiplier it earned at (NULL on
    purchases recorded before loyalty kept it)."""
    points_earned: int = Field(sa_column=_amount())
    points_reversed: int = Field(default=0, sa_column=_amount())
    returned_fen: int = Field(default=0, sa_column=_amount())
    created_at: datetime = Field(default_factory=_now, sa_column=_timestamp())


outbox = Outbox(LoyaltyTable.metadata)
emit = Emitter(outbox, source="/huiyuan/loyalty")
inbox = Inbox(LoyaltyTable.metadata)
idempotency = IdempotencyKeys(LoyaltyTable.metadata)
