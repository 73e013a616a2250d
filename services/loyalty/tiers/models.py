"""The tiers capability's tables: standings, the qualification policy, the purchases that
qualify and the audit of manual assignments (benefits per tier: :mod:`.benefits`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, amount_column, now, timestamp_column
from shared.inputs import MAX_RUNNING_FEN

MAX_GRACE_PERIODS = 5
MAX_WINDOW_MONTHS = 36


class TierStanding(LoyaltyTable, table=True):
    """A member's tier and the lifetime qualifying spend (fen) that placed them on it.

    Under a windowed policy ``review_at`` is when the tier is reviewed next (NULL on the
    base tier and under the lifetime policy) and ``grace_used`` the grace periods taken
    since the tier was last qualified for. ``assigned_until`` is the end of a manual
    assignment by staff (NULL when the tier was qualified for).
    """

    __tablename__ = "tier_standings"
    __table_args__ = (
        CheckConstraint(
            f"qualifying_spend_fen >= 0 AND qualifying_spend_fen <= {MAX_RUNNING_FEN}",
            name="ck_tier_standings_qualifying_spend",
        ),
        CheckConstraint(
            f"grace_used >= 0 AND grace_used <= {MAX_GRACE_PERIODS}",
            name="ck_tier_standings_grace_used",
        ),
        Index(
            "ix_tier_standings_due",
            "review_at",
            postgresql_where=text("review_at IS NOT NULL"),
        ),
        Index(
            "ix_tier_standings_assigned_until",
            "assigned_until",
            postgresql_where=text("assigned_until IS NOT NULL"),
        ),
    )

    member_id: uuid.UUID = Field(primary_key=True)
    tier_code: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    qualifying_spend_fen: int = Field(default=0, sa_column=amount_column())
    review_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    grace_used: int = Field(default=0, sa_column=Column(SmallInteger, nullable=False))
    assigned_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class TierPolicy(LoyaltyTable, table=True):
    """The brand's qualification policy (``id`` is always 1); see
    :class:`services.loyalty.tiers.domain.Policy`."""

    __tablename__ = "tier_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_tier_policy_single_row"),
        CheckConstraint(
            "qualify_by IN ('spend', 'purchases', 'spend_and_purchases', 'spend_or_purchases')",
            name="ck_tier_policy_qualify_by",
        ),
        CheckConstraint(
            "(window_kind = 'rolling_months' AND window_months BETWEEN 1 AND "
            f"{MAX_WINDOW_MONTHS}) OR (window_kind IN ('lifetime', 'calendar_year') "
            "AND window_months IS NULL)",
            name="ck_tier_policy_window",
        ),
        CheckConstraint(
            f"grace_periods >= 0 AND grace_periods <= {MAX_GRACE_PERIODS}",
            name="ck_tier_policy_grace_periods",
        ),
    )

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    qualify_by: str = Field(sa_column=Column(String(24), nullable=False))
    window_kind: str = Field(sa_column=Column(String(16), nullable=False))
    window_months: int | None = Field(default=None, sa_column=Column(SmallInteger))
    grace_periods: int = Field(sa_column=Column(SmallInteger, nullable=False))
    purchase_thresholds: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class QualifyingPurchase(LoyaltyTable, table=True):
    """A purchase as tier qualification counts it: dated by the sale (``purchased_at``) and
    credited to the account that earned its points, so a household's measures are its
    account's; a member's own measures are those of their ``member_id``.
    ``returned_fen`` grows with its returns and void; it counts as a purchase while
    ``returned_fen < total_fen``."""

    __tablename__ = "qualifying_purchases"
    __table_args__ = (
        CheckConstraint(
            "returned_fen >= 0 AND returned_fen <= total_fen",
            name="ck_qualifying_purchases_returned_fen",
        ),
        Index("ix_qualifying_purchases_account_time", "account_id", "purchased_at"),
        Index("ix_qualifying_purchases_member_time", "member_id", "purchased_at"),
    )

    purchase_id: uuid.UUID = Field(primary_key=True)
    account_id: uuid.UUID = Field()
    member_id: uuid.UUID = Field()
    purchased_at: datetime = Field(sa_column=timestamp_column())
    total_fen: int = Field(sa_column=amount_column())
    returned_fen: int = Field(default=0, sa_column=amount_column())


class TierAssignment(LoyaltyTable, table=True):
    """The audit of a manual tier assignment by staff: appended, never changed."""

    __tablename__ = "tier_assignments"

    assignment_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID = Field(index=True)
    from_tier: str = Field(sa_column=Column(String(32), nullable=False))
    tier_code: str = Field(sa_column=Column(String(32), nullable=False))
    until: datetime = Field(sa_column=timestamp_column())
    reason: str = Field(sa_column=Column(Text, nullable=False))
    assigned_by: str = Field(sa_column=Column(String(255), nullable=False))
    assigned_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
