"""The points kernel's tables: accounts, their holders, the ledger and the point lots.

Only :mod:`services.loyalty.accounts.service` writes them (through its repository).
"""

from __future__ import annotations

import uuid
from datetime import datetime

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
    text,
)
from sqlmodel import Field

from services.loyalty.accounts.domain import SOURCE_POINTS
from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column
from shared.inputs import MAX_BALANCE

OWNER = "owner"
"""The role of a member in the personal account they own (every member has one)."""
HOUSEHOLD = "household"
"""The role of a member in their household's account, which pools the points of its
holders: at most one per member, and while they hold one, their own account is pooled
into it (``Account.pooled_into``)."""


class Account(LoyaltyTable, table=True):
    """A points balance. Its ``balance`` caches the sum of its ledger entries (and of its
    lots' remaining points); ``version`` counts the movements."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="ck_accounts_balance"),
        CheckConstraint(f"balance <= {MAX_BALANCE}", name="ck_accounts_balance_limit"),
        CheckConstraint("pooled_into <> account_id", name="ck_accounts_pooled_elsewhere"),
        ForeignKeyConstraint(
            ["pooled_into"], ["loyalty.accounts.account_id"], name="fk_accounts_pooled_into"
        ),
    )

    account_id: uuid.UUID = Field(primary_key=True)
    balance: int = Field(default=0, sa_column=amount_column())
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    pooled_into: uuid.UUID | None = Field(default=None)
    """The household account a member's own account is pooled into while they hold it:
    their points moved there, and every movement for them goes there instead. It is on
    the account's row, which every movement locks first, so a movement that waited for a
    member's joining or leaving sees where their points are now."""
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class AccountHolder(LoyaltyTable, table=True):
    """A member who holds an account: the one they own (role ``owner``, at most one each),
    and their household's (role ``household``, at most one each), which has several."""

    __tablename__ = "account_holders"
    __table_args__ = (
        CheckConstraint(f"role IN ('{OWNER}', '{HOUSEHOLD}')", name="ck_account_holders_role"),
        ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_account_holders_account"
        ),
        Index(
            "ux_account_holders_one_owned_account",
            "member_id",
            unique=True,
            postgresql_where=text(f"role = '{OWNER}'"),
        ),
        Index(
            "ux_account_holders_one_household",
            "member_id",
            unique=True,
            postgresql_where=text(f"role = '{HOUSEHOLD}'"),
        ),
    )

    account_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID = Field(primary_key=True)
    role: str = Field(sa_column=Column(String(16), nullable=False))
    since: datetime = Field(default_factory=now, sa_column=timestamp_column())


_SOURCE_CHECK = (
    "CASE source_type "
    + " ".join(f"WHEN '{kind}' THEN {points.sql()}" for kind, points in SOURCE_POINTS.items())
    + " ELSE false END"
)


class LedgerEntry(LoyaltyTable, table=True):
    """One movement of an account's points; rows are appended, never updated or deleted.

    ``seq`` orders an account's entries (the account row lock serialises them);
    ``(source_type, source_id)`` names what moved the points, at most one entry each;
    ``shortfall`` is what a reversal could not take back because the points were spent.

    The database holds the ledger's invariants itself: the service role has no UPDATE,
    DELETE or TRUNCATE right on this table (and a trigger refuses them to anyone else),
    each source has at most one entry (``ux_ledger_entries_source``), and each source
    type carries points of its sign (``ck_ledger_entries_source``).
    :mod:`services.loyalty.accounts.invariants` checks what constraints cannot express.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(_SOURCE_CHECK, name="ck_ledger_entries_source"),
        CheckConstraint("balance_after >= 0", name="ck_ledger_entries_balance_after"),
        CheckConstraint(
            f"balance_after <= {MAX_BALANCE}", name="ck_ledger_entries_balance_after_limit"
        ),
        CheckConstraint("shortfall >= 0", name="ck_ledger_entries_shortfall"),
        ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_ledger_entries_account"
        ),
        Index("ix_ledger_entries_account_seq", "account_id", "seq"),
        Index("ux_ledger_entries_source", "source_type", "source_id", unique=True),
        Index(
            "ix_ledger_entries_shortfall",
            "account_id",
            "seq",
            postgresql_where=text("shortfall > 0"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(), unique=True, nullable=False)
    )
    account_id: uuid.UUID
    source_type: str = Field(sa_column=Column(String(32), nullable=False))
    source_id: uuid.UUID
    points: int = Field(sa_column=amount_column())
    balance_after: int = Field(sa_column=amount_column())
    shortfall: int = Field(default=0, sa_column=amount_column())
    event_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class PointLot(LoyaltyTable, table=True):
    """Points credited together, used up as the account spends them.

    Every credit makes a lot, or several when it gives back points with the terms of the
    lots they were taken from (see :class:`LotDraw`); a debit takes from lots nearest
    expiry first, then the oldest (:func:`services.loyalty.accounts.domain.consume`), so
    the lots' ``remaining`` add up to the balance. ``entry_id`` is the credit's ledger
    entry (several lots may name one); NULL only for the opening
    lot the upgrade to lots made of each balance kept before (which never expires). It has
    no foreign key: checking one locks the entry ``FOR KEY SHARE``, which takes an UPDATE
    right the service role does not have on the append-only ledger; the invariants check
    it instead.
    A lot is pending (its points cannot be spent) until ``available_at`` (the brand's return
    window after a purchase's earn), and expires at ``expires_at`` (None: never), when the
    daily job takes what it still holds with an ``expiry`` entry.
    """

    __tablename__ = "point_lots"
    __table_args__ = (
        CheckConstraint("points > 0", name="ck_point_lots_points"),
        CheckConstraint("remaining >= 0 AND remaining <= points", name="ck_point_lots_remaining"),
        CheckConstraint(
            "expires_at IS NULL OR expires_at > earned_at", name="ck_point_lots_expiry"
        ),
        CheckConstraint("available_at >= earned_at", name="ck_point_lots_available"),
        ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_point_lots_account"
        ),
        Index("ix_point_lots_open", "account_id", postgresql_where=text("remaining > 0")),
        Index("ix_point_lots_entry", "entry_id"),
        Index(
            "ix_point_lots_expiring",
            "expires_at",
            postgresql_where=text("remaining > 0 AND expires_at IS NOT NULL"),
        ),
    )

    lot_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID
    entry_id: uuid.UUID | None = None
    points: int = Field(sa_column=amount_column())
    remaining: int = Field(sa_column=amount_column())
    earned_at: datetime = Field(sa_column=timestamp_column())
    available_at: datetime = Field(sa_column=timestamp_column())
    expires_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class LotDraw(LoyaltyTable, table=True):
    """What one debit took from one lot, so that its reversal can give the points back on
    the lot's terms: a till release, a till refund, a reward refund open lots with the
    ``available_at`` and ``expires_at`` of the lots their debit drew on (``restored`` says
    how much of this draw came back so far, taken back last drawn first).

    ``position`` is the order the debit took its lots in. Like a lot, a draw has no foreign
    key to the append-only ledger; the invariants check that a debit's draws add up to it.
    """

    __tablename__ = "lot_draws"
    __table_args__ = (
        CheckConstraint("points > 0", name="ck_lot_draws_points"),
        CheckConstraint("restored BETWEEN 0 AND points", name="ck_lot_draws_restored"),
        ForeignKeyConstraint(["lot_id"], ["loyalty.point_lots.lot_id"], name="fk_lot_draws_lot"),
    )

    entry_id: uuid.UUID = Field(primary_key=True)
    position: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    lot_id: uuid.UUID
    points: int = Field(sa_column=amount_column())
    restored: int = Field(default=0, sa_column=amount_column())


class Pooling(LoyaltyTable, table=True):
    """A stretch of an account's history during which it was pooled into another (a member's
    own account while they held their household's account).

    Its ends are positions in the ledger's order (``seq``), drawn from the ledger's own
    sequence while the pooling or unpooling transaction holds the account's row, which every
    movement for the account takes first: so an entry of a movement for the account (a
    till release, a reward refund) is after ``from_seq`` and before ``until_seq`` exactly
    when it was made while the account was pooled, and the audits can say which account
    such a credit belonged on. ``until_seq`` is NULL while it lasts.
    """

    __tablename__ = "account_poolings"
    __table_args__ = (
        CheckConstraint("until_seq IS NULL OR until_seq > from_seq", name="ck_poolings_order"),
        ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_poolings_account"
        ),
        ForeignKeyConstraint(
            ["pooled_into"], ["loyalty.accounts.account_id"], name="fk_poolings_pooled_into"
        ),
        Index(
            "ux_poolings_open",
            "account_id",
            unique=True,
            postgresql_where=text("until_seq IS NULL"),
        ),
    )

    account_id: uuid.UUID = Field(primary_key=True)
    from_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    pooled_into: uuid.UUID
    until_seq: int | None = Field(default=None, sa_column=Column(BigInteger))
