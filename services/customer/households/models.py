"""The households tables: a household, and the members in it (one household per member)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKeyConstraint, Integer, String
from sqlmodel import Field

from services.customer.base import CustomerTable

HEAD: Final = "head"
MEMBER: Final = "member"


def _now() -> datetime:
    return datetime.now(UTC)


class Household(CustomerTable, table=True):
    """A household (家庭): members whose points and qualifying spend loyalty pools.

    ``head_member_id`` is the member who opened it; it stays theirs while they are in it
    (the head leaves last). A household whose last member left is kept, empty, with
    ``dissolved_at`` set.
    """

    __tablename__ = "households"
    __table_args__ = (
        ForeignKeyConstraint(
            ["head_member_id"], ["customer.members.id"], name="fk_households_head_member"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    head_member_id: uuid.UUID = Field(index=True)
    created_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    dissolved_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class HouseholdMember(CustomerTable, table=True):
    """A member in a household. The member is the key: one household per member."""

    __tablename__ = "household_members"
    __table_args__ = (
        CheckConstraint(f"role IN ('{HEAD}', '{MEMBER}')", name="ck_household_members_role"),
        ForeignKeyConstraint(
            ["household_id"], ["customer.households.id"], name="fk_household_members_household"
        ),
        ForeignKeyConstraint(
            ["member_id"], ["customer.members.id"], name="fk_household_members_member"
        ),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    role: str = Field(sa_column=Column(String(16), nullable=False))
    joined_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class MembershipVersion(CustomerTable, table=True):
    """How many household membership changes (opening, joining, leaving) a member has had:
    the ``version`` the last of them carried in its event. Kept when they leave (their
    ``household_members`` row goes), so the next change continues the count."""

    __tablename__ = "household_membership_versions"
    __table_args__ = (
        CheckConstraint("version >= 1", name="ck_household_membership_versions_version"),
        ForeignKeyConstraint(
            ["member_id"], ["customer.members.id"], name="fk_household_membership_versions_member"
        ),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(sa_column=Column(Integer, nullable=False))
