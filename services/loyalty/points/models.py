"""The points capability's tables: purchases points were earned on, and their returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column


class Purchase(LoyaltyTable, table=True):
    """A purchase points were earned on, kept so that returns reverse in proportion.

    ``account_id`` is the account it credited, ``member_id`` the buyer, whose tier
    standing counts its spend. What the earning rules read (store, sale time, lines,
    vouchers) is kept so the purchase can be replayed (simulation, the ledger audit), with
    the rule version that rated it and the points each rule gave; those columns are NULL on
    purchases recorded before issue 12.
    """

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
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_purchases_account"
        ),
        Index("ix_purchases_member_purchased", "member_id", "purchased_at"),
    )

    purchase_id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(index=True)
    member_id: uuid.UUID = Field(index=True)
    total_fen: int = Field(sa_column=amount_column())
    tier_code: str | None = Field(default=None, sa_column=Column(String(32)))
    """The member's tier before the purchase, whose multiplier it earned at (NULL on
    purchases recorded before loyalty kept it)."""
    points_earned: int = Field(sa_column=amount_column())
    points_reversed: int = Field(default=0, sa_column=amount_column())
    returned_fen: int = Field(default=0, sa_column=amount_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    store_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid))
    purchased_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    vouchers_fen: int | None = Field(default=None, sa_column=Column(BigInteger))
    lines: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONB))
    """``[{line_no, sku, categories (the category, then its ancestors), amount_fen}]``."""
    rule_version: int | None = Field(default=None, sa_column=Column(Integer))
    breakdown: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONB))
    """``[{rule, points}]``: what each earning rule gave, adding up to ``points_earned``."""


class PurchaseReturn(LoyaltyTable, table=True):
    """A return whose points were reversed: its ledger entry's source is the return, and
    this row names the purchase it took points back from."""

    __tablename__ = "returns"
    __table_args__ = (
        ForeignKeyConstraint(
            ["purchase_id"], ["loyalty.purchases.purchase_id"], name="fk_returns_purchase"
        ),
    )

    return_id: uuid.UUID = Field(primary_key=True)
    purchase_id: uuid.UUID = Field(index=True)
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
