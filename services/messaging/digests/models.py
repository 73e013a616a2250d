"""The points each member earned on each brand day not yet told them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, DateTime
from sqlmodel import Field

from services.messaging.base import MessagingTable


class PointsDigest(MessagingTable, table=True):
    """``points`` earned on ``day`` (of the brand's business timezone) summed over the
    day's ``loyalty.points.earned`` events; ``balance`` that of the latest one
    (``earned_at``, the event's time). Deleted once its message is queued."""

    __tablename__ = "points_digests"

    member_id: uuid.UUID = Field(primary_key=True)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    points: int = Field(sa_column=Column(BigInteger, nullable=False))
    balance: int = Field(sa_column=Column(BigInteger, nullable=False))
    earned_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
