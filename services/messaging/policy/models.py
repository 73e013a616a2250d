"""The brand's messaging policy: one row (``id`` 1); no row, the defaults of
:data:`services.messaging.policy.domain.DEFAULT`."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, Column, Integer, SmallInteger, String, Time
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp
from shared.tokens import MAX_SUBJECT_LENGTH


class MessagingPolicy(MessagingTable, table=True):
    """Quiet hours (local times; both null: none), the frequency cap (both null: none),
    the dedupe window in hours (0: none), the points message (``each_sale``, ``off``,
    ``email_only``, ``daily_digest`` or ``above:<points>``); ``version`` counts changes."""

    __tablename__ = "messaging_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_messaging_policy_one_row"),
        CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL)", name="ck_messaging_policy_quiet"
        ),
        CheckConstraint(
            "(cap_messages IS NULL) = (cap_days IS NULL)", name="ck_messaging_policy_cap"
        ),
    )

    id: int = Field(default=1, sa_column=Column(SmallInteger, primary_key=True))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    quiet_start: time | None = Field(default=None, sa_column=Column(Time))
    quiet_end: time | None = Field(default=None, sa_column=Column(Time))
    cap_messages: int | None = Field(default=None, sa_column=Column(Integer))
    cap_days: int | None = Field(default=None, sa_column=Column(Integer))
    dedupe_hours: int = Field(sa_column=Column(Integer, nullable=False))
    points_message: str = Field(sa_column=Column(String(24), nullable=False))
    updated_at: datetime = timestamp()
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
