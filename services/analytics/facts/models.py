"""Read models of the analytics schema, projected from other services' events only.

Rows are written by upserts, so a member's row may be created by whichever of their
events arrives first (registrations and purchases travel on different topics).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    text,
)
from sqlmodel import Field

from services.analytics.base import AnalyticsTable


def _fen() -> Any:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


def _moment() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True)))


class MemberStats(AnalyticsTable, table=True):
    """One member: registration, purchase counters and current tier.

    The tier is loyalty's, taken from its events only: ``loyalty.account.opened`` gives the
    tier an account starts on, ``loyalty.tier.changed`` every change (see
    :func:`services.analytics.facts.domain.tier_after_change`).

    ``purchase_count`` counts purchases that were neither fully returned nor voided;
    ``spend_fen`` is the gross amount of all completed purchases not voided and
    ``returned_fen`` what was refunded of them.
    """

    __tablename__ = "members"

    member_id: uuid.UUID = Field(primary_key=True)
    registered_at: datetime | None = _moment()
    store_id: uuid.UUID | None = None
    purchase_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    spend_fen: int = _fen()
    returned_fen: int = _fen()
    first_purchase_at: datetime | None = _moment()
    last_purchase_at: datetime | None = _moment()
    tier_code: str | None = Field(default=None, max_length=64)
    # when loyalty changed the tier to tier_code (its event's time); null while the tier is
    # the one the account was opened on, or was set before this column existed
    tier_changed_at: datetime | None = _moment()


class Purchase(AnalyticsTable, table=True):
    """The purchase fact table KPIs are computed from; one row per purchase id."""

    __tablename__ = "purchases"
    __table_args__ = (
        Index("ix_purchases_member_purchased_at", "member_id", "purchased_at"),
        # the counted purchases' times and members, read alone by the KPIs' activity window
        # and a campaign's buyers (an index-only scan)
        Index(
            "ix_purchases_counted_at",
            "purchased_at",
            postgresql_include=["member_id"],
            postgresql_where=text("voided_at IS NULL AND fully_returned IS false"),
        ),
    )

    purchase_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID
    store_id: uuid.UUID
    total_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    returned_fen: int = _fen()
    fully_returned: bool = False
    purchased_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    voided_at: datetime | None = _moment()
    """When its store voided it: it then counts as no sale (nor do its returns)."""


class PurchaseReturn(AnalyticsTable, table=True):
    """Returns already applied, so one return is subtracted once whatever its envelope."""

    __tablename__ = "returns"

    return_id: uuid.UUID = Field(primary_key=True)
    purchase_id: uuid.UUID
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    returned_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class NotificationDay(AnalyticsTable, table=True):
    """Notification outcomes per business-timezone day, channel and status.

    ``count`` is an integer: filling it would take 2^31 - 1 outcomes of one channel and
    status in one day (about 24,855 a second all day long).
    """

    __tablename__ = "notification_days"

    day: date = Field(primary_key=True)
    channel: str = Field(sa_column=Column(String(16), primary_key=True))
    status: str = Field(sa_column=Column(String(16), primary_key=True))
    count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class SurveyAnswer(AnalyticsTable, table=True):
    """A member's answer to a resolved ticket's satisfaction survey
    (``customer.ticket.surveyed``), one per ticket: ``score`` 1 (very dissatisfied) to 5
    (very satisfied). Seed 003's satisfaction counts 4 and 5 as satisfied."""

    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_member_answered_at", "member_id", "answered_at"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_surveys_score"),
    )

    ticket_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID
    score: int = Field(sa_column=Column(SmallInteger, nullable=False))
    answered_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class TierHistory(AnalyticsTable, table=True):
    """Every tier a member was put on and when (loyalty's events' times): the account's
    opening tier, then each change; a redelivered event adds nothing. The Markov CLV
    (:mod:`services.analytics.clv.tiers`) estimates tier transitions from it. Members
    whose tier analytics knew before this table existed start with their tier then."""

    __tablename__ = "tier_history"

    member_id: uuid.UUID = Field(primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    tier_code: str = Field(sa_column=Column(String(64), primary_key=True))


class MemberTag(AnalyticsTable, table=True):
    """A brand classification tag (客户分类) a member has, from customer's
    ``customer.member.updated`` (``tags_added``/``tags_removed``, ids only): saved segments
    select by it. Kept from the events after this table arrived; tags given before are
    not known to analytics."""

    __tablename__ = "member_tags"
    __table_args__ = (Index("ix_member_tags_tag", "tag_id"),)

    member_id: uuid.UUID = Field(primary_key=True)
    tag_id: uuid.UUID = Field(primary_key=True)
