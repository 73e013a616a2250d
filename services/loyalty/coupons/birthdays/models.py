"""Tables of birthday coupons: members' birthdays (month and day only) and the program's
birthday coupon definition."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, SmallInteger
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, now, timestamp_column
from shared.tokens import MAX_SUBJECT_LENGTH


class MemberBirthday(LoyaltyTable, table=True):
    """A member's birthday as customer's registration said it: month and day, never the
    year (loyalty needs the day to celebrate, not the age)."""

    __tablename__ = "member_birthdays"
    __table_args__ = (
        CheckConstraint(
            "month BETWEEN 1 AND 12 AND day BETWEEN 1 AND 31", name="ck_member_birthdays_day"
        ),
        Index("ix_member_birthdays_day", "month", "day", "member_id"),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    month: int = Field(sa_column=Column(SmallInteger, nullable=False))
    day: int = Field(sa_column=Column(SmallInteger, nullable=False))


class BirthdayCoupon(LoyaltyTable, table=True):
    """The program's birthday coupon: one row (``id`` 1) while there is one."""

    __tablename__ = "birthday_coupon"
    __table_args__ = (CheckConstraint("id = 1", name="ck_birthday_coupon_single_row"),)

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    definition_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.coupon_definitions.id"), nullable=False)
    )
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
