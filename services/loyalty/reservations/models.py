"""Tables of points at the till: the till policy and the reservations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, String, text
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column
from services.loyalty.reservations.domain import RELEASE_REASONS, STATUSES, TENDERS

MAX_SALE_REF = 64
DEFAULT_POINTS_PER_YUAN = 100
DEFAULT_MAX_SHARE_PERCENT = 50
DEFAULT_HOLD_MINUTES = 15
DEFAULT_COMMIT_GRACE_MINUTES = 24 * 60


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class TillPolicy(LoyaltyTable, table=True):
    """The brand's rule for points at the till (one row, ``id`` 1)."""

    __tablename__ = "till_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_till_policy_single_row"),
        CheckConstraint("points_per_yuan >= 1", name="ck_till_policy_points_per_yuan"),
        CheckConstraint(
            "max_share_percent BETWEEN 0 AND 100", name="ck_till_policy_max_share_percent"
        ),
        CheckConstraint("hold_minutes >= 1", name="ck_till_policy_hold_minutes"),
        CheckConstraint("commit_grace_minutes >= 1", name="ck_till_policy_commit_grace"),
    )

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    points_per_yuan: int = Field(sa_column=Column(Integer, nullable=False))
    max_share_percent: int = Field(sa_column=Column(Integer, nullable=False))
    hold_minutes: int = Field(sa_column=Column(Integer, nullable=False))
    commit_grace_minutes: int = Field(sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class Reservation(LoyaltyTable, table=True):
    """Points, or stored value (``tender``), held for a sale in progress at a store, and
    what became of them.

    A stored-value reservation holds no points (``points`` 0, ``points_per_yuan`` 0): its
    hold, release and refunds are wallet entries (:mod:`services.loyalty.wallets.payments`).
    A points reservation's hold is a debit of the account through the kernel
    (``till_hold``); a release is the matching credit (``till_release``); a refund of the
    sale a credit per return or void (``till_refund``). ``expires_at`` is when the sweep
    releases it: the end of the hold while ``held``, the end of the grace for the sale's
    event while ``committed``.
    """

    __tablename__ = "till_reservations"
    __table_args__ = (
        CheckConstraint(_among("status", STATUSES), name="ck_till_reservations_status"),
        CheckConstraint(
            "release_reason IS NULL OR " + _among("release_reason", RELEASE_REASONS),
            name="ck_till_reservations_release_reason",
        ),
        CheckConstraint(_among("tender", TENDERS), name="ck_till_reservations_tender"),
        CheckConstraint(
            "amount_fen > 0 AND (points > 0) = (tender = 'points')",
            name="ck_till_reservations_amounts",
        ),
        CheckConstraint(
            "refunded_points BETWEEN 0 AND points AND refunded_fen BETWEEN 0 AND amount_fen",
            name="ck_till_reservations_refunds",
        ),
        CheckConstraint(
            "status NOT IN ('committed', 'confirmed') OR purchase_id IS NOT NULL",
            name="ck_till_reservations_purchase",
        ),
        CheckConstraint(
            "(status = 'released') = (release_reason IS NOT NULL)",
            name="ck_till_reservations_released",
        ),
        Index(
            "ux_till_reservations_purchase",
            "purchase_id",
            "tender",
            unique=True,
            postgresql_where=text("status IN ('committed', 'confirmed')"),
        ),
        Index(
            "ix_till_reservations_due",
            "expires_at",
            postgresql_where=text("status IN ('held', 'committed')"),
        ),
    )

    reservation_id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(index=True)
    member_id: uuid.UUID
    store_id: uuid.UUID
    sale_ref: str = Field(sa_column=Column(String(MAX_SALE_REF), nullable=False))
    tender: str = Field(default="points", sa_column=Column(String(16), nullable=False))
    points: int = Field(sa_column=amount_column())
    amount_fen: int = Field(sa_column=amount_column())
    sale_total_fen: int = Field(sa_column=amount_column())
    points_per_yuan: int = Field(sa_column=Column(Integer, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    purchase_id: uuid.UUID | None = None
    commit_attempt: uuid.UUID | None = None
    """The attempt of the sale that last committed it (orders' ``attempt_id``)."""
    expires_at: datetime = Field(sa_column=timestamp_column())
    refunded_fen: int = Field(default=0, sa_column=amount_column())
    refunded_points: int = Field(default=0, sa_column=amount_column())
    release_reason: str | None = Field(default=None, sa_column=Column(String(16)))
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    released_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class TillRefund(LoyaltyTable, table=True):
    """A ``till_refund`` credit and the reservation whose points it gave back: the credit's
    source id is the return's (or the void's purchase's), which names no reservation, and
    the audit checks each reservation's refunds wherever they landed."""

    __tablename__ = "till_refunds"
    __table_args__ = (
        CheckConstraint("points > 0", name="ck_till_refunds_points"),
        Index("ix_till_refunds_reservation", "reservation_id"),
    )

    source_id: uuid.UUID = Field(primary_key=True)
    reservation_id: uuid.UUID
    points: int = Field(sa_column=amount_column())
