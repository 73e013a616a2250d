"""The program's tables: the tier ladder, the program's lock and the kept reads' tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, String, Text, Uuid, text
from sqlmodel import Field

from services.loyalty.base import LoyaltyTable, now, timestamp_column
from shared.kept import kept_versions_table


class Tier(LoyaltyTable, table=True):
    __tablename__ = "tiers"
    __table_args__ = (CheckConstraint("threshold_fen >= 0", name="ck_tiers_threshold"),)

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=64)
    threshold_fen: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    benefits: str | None = Field(default=None, sa_column=Column(Text))


class EarningRule(LoyaltyTable, table=True):
    """The program's lock (``id`` is always 1; the rules themselves are versions of the rules
    capability since issue 12): point changes read it ``FOR SHARE``, changing the ladder or
    the earning rules takes it ``FOR UPDATE``."""

    __tablename__ = "earning_rule"
    __table_args__ = (CheckConstraint("id = 1", name="ck_earning_rule_single_row"),)

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    version: uuid.UUID = Field(
        sa_column=Column(Uuid, nullable=False, server_default=text("gen_random_uuid()"))
    )
    """A new token from every change of the program made under this row ``FOR UPDATE``
    (:func:`services.loyalty.program.service.locked_for_change`)."""


kept_versions = kept_versions_table(LoyaltyTable.metadata)
"""Its ``program`` row gets a new token from any write of a table the program's kept
reads come from (triggers; :mod:`shared.kept`), its ``draw_campaigns`` row from any write
of the draw campaigns, and its ``category_ancestors`` row from any product put in a
category, or moved to another, or to another place in the tree."""

KEPT_READS = ("program", "draw_campaigns", "category_ancestors")
"""The rows of ``kept_versions``, each read with the program's lock."""
