"""The journey tables: the runs due (a due-work queue) and the brand's journey settings."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp
from shared.tokens import MAX_SUBJECT_LENGTH


class JourneyRun(MessagingTable, table=True):
    """One member's message of one journey for one ``occurrence`` (the welcome's
    ``first-purchase``, a birthday's year, a holiday's ``<date> <key>``, the id of the
    purchase a win-back follows): at most one per ``(journey, member_id, occurrence)``.

    Inserted in the transaction of the event or the daily job that causes it; due at
    ``due_at``, claimed by the journey worker (``FOR UPDATE SKIP LOCKED``), which queues
    its notifications and sets ``done_at`` with an ``outcome`` in the same transaction,
    or, past ``expires_at``, marks it ``expired``. ``context`` holds what its message says
    beyond the member's own data (a holiday's names, a birthday coupon). ``purchase_id``
    is the purchase a welcome or a win-back follows, so that its void finds them by it
    (null: other journeys, and welcomes scheduled before it was recorded)."""

    __tablename__ = "journey_runs"
    __table_args__ = (
        UniqueConstraint("journey", "member_id", "occurrence", name="uq_journey_runs_occurrence"),
        CheckConstraint(
            "journey IN ('first_purchase_welcome', 'birthday', 'holiday', 'win_back')",
            name="ck_journey_runs_journey",
        ),
        CheckConstraint(
            "(done_at IS NULL AND outcome IS NULL) OR "
            "(done_at IS NOT NULL AND outcome IN ('notified', 'expired', 'skipped'))",
            name="ck_journey_runs_outcome",
        ),
        Index("ix_journey_runs_due", "due_at", postgresql_where=text("done_at IS NULL")),
        Index("ix_journey_runs_member", "member_id", "journey"),
        Index("ix_journey_runs_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    journey: str = Field(sa_column=Column(String(32), nullable=False))
    member_id: uuid.UUID
    occurrence: str = Field(sa_column=Column(String(64), nullable=False))
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    context: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    )
    done_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    outcome: str | None = Field(default=None, sa_column=Column(String(16)))
    purchase_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, sa_column=Column(String(64)))
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class JourneySettingsRow(MessagingTable, table=True):
    """The brand's journey settings: one row (``id`` 1); no row, the defaults of
    :data:`services.messaging.journeys.domain.DEFAULT`. ``version`` counts changes."""

    __tablename__ = "journey_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_journey_settings_one_row"),
        CheckConstraint(
            "welcome_after_days <= welcome_until_days", name="ck_journey_settings_welcome"
        ),
    )

    id: int = Field(default=1, sa_column=Column(SmallInteger, primary_key=True))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    send_at: time = Field(sa_column=Column(Time, nullable=False))
    welcome_enabled: bool = Field(sa_column=Column(Boolean, nullable=False))
    welcome_after_days: int = Field(sa_column=Column(SmallInteger, nullable=False))
    welcome_until_days: int = Field(sa_column=Column(SmallInteger, nullable=False))
    birthday_enabled: bool = Field(sa_column=Column(Boolean, nullable=False))
    holiday_enabled: bool = Field(sa_column=Column(Boolean, nullable=False))
    holidays: list[str] = Field(sa_column=Column(ARRAY(String(32)), nullable=False))
    win_back_enabled: bool = Field(sa_column=Column(Boolean, nullable=False))
    win_back_days: int = Field(sa_column=Column(SmallInteger, nullable=False))
    win_back_expires_days: int = Field(sa_column=Column(SmallInteger, nullable=False))
    updated_at: datetime = timestamp()
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)


class JourneyPurchase(MessagingTable, table=True):
    """A member's purchase as the journeys read it (``orders.purchase.completed``): its id
    and time, and ``voided_at`` once its store voided it (``orders.purchase.voided``), after
    which it counts as no purchase. A void consumed before its purchase inserts the row
    voided (the void names the member and the sale's time), so the purchase, consumed
    later or again, finds it voided and schedules nothing: one row per purchase id, and a
    void is never undone. A void moves the member's welcome and win-back to their
    remaining purchases (earliest, latest: ``ix_journey_purchases_member``)."""

    __tablename__ = "journey_purchases"
    __table_args__ = (
        Index("ix_journey_purchases_member", "member_id", "purchased_at"),
        Index("ix_journey_purchases_purchased_at", "purchased_at"),
    )

    purchase_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID
    purchased_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    voided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class ErasedMember(MessagingTable, table=True):
    """A member erasure reached (``customer.member.erased``, written by
    :mod:`services.messaging.privacy`): journeys keep no purchase of theirs and schedule
    nothing for them from a purchase or a void consumed after it (erasure is final, even
    for a member messaging never had a contact of). Holds no personal data."""

    __tablename__ = "erased_members"

    member_id: uuid.UUID = Field(primary_key=True)
    erased_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
