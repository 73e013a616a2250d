"""The households capability's tables: each household's account, the points its members
brought and took, the program's household policy, and the order of each member's
membership changes (the last version applied, the changes that came early)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKeyConstraint, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column
from services.loyalty.households.domain import LEAVING_SHARES


class Household(LoyaltyTable, table=True):
    """A household customer opened, and the account that pools its members' points."""

    __tablename__ = "households"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_households_account"
        ),
    )

    household_id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field(unique=True)
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class HouseholdTransfer(LoyaltyTable, table=True):
    """Points a member brought into their household's account when joining (``join``), or
    took back to their own when leaving (``leave``): the ledger's two entries of a
    transfer carry its ``transfer_id`` as their source id."""

    __tablename__ = "household_transfers"
    __table_args__ = (
        CheckConstraint("direction IN ('join', 'leave')", name="ck_household_transfers_direction"),
        CheckConstraint("points > 0", name="ck_household_transfers_points"),
        ForeignKeyConstraint(
            ["household_id"],
            ["loyalty.households.household_id"],
            name="fk_household_transfers_household",
        ),
    )

    transfer_id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    member_id: uuid.UUID = Field(index=True)
    direction: str = Field(sa_column=Column(String(8), nullable=False))
    points: int = Field(sa_column=amount_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class HouseholdPolicy(LoyaltyTable, table=True):
    """The program's household policy: one row (``id`` 1)."""

    __tablename__ = "household_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_household_policy_one_row"),
        CheckConstraint(
            "leaving_share IN (" + ", ".join(f"'{share}'" for share in LEAVING_SHARES) + ")",
            name="ck_household_policy_leaving_share",
        ),
    )

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True))
    leaving_share: str = Field(sa_column=Column(String(16), nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class MembershipApplied(LoyaltyTable, table=True):
    """The last of a member's household membership changes loyalty applied: the
    ``version`` customer gave it (0 while none with a version was applied). Every
    versioned change locks this row first, so one member's changes apply one at a time."""

    __tablename__ = "household_membership_versions"
    __table_args__ = (
        CheckConstraint("version >= 0", name="ck_household_membership_versions_version"),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class EarlyChange(LoyaltyTable, table=True):
    """A membership change that arrived before one it follows (its version is more than
    one past the member's applied one): kept as customer sent it until the changes before
    it are applied, then applied and deleted in the same transaction."""

    __tablename__ = "household_early_changes"
    __table_args__ = (CheckConstraint("version >= 2", name="ck_household_early_changes_version"),)

    member_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(sa_column=Column(Integer, primary_key=True))
    event_type: str = Field(sa_column=Column(String(64), nullable=False))
    event_id: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    received_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
