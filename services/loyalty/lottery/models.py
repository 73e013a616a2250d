"""Tables of lottery draws: campaigns and their prizes, each prize's quota per day, the
chances ledger, the purchases that earned chances, the draws and the gifts to hand over."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, amount_column, now, timestamp_column


class LotteryCampaign(LoyaltyTable, table=True):
    """A draw campaign: purchases from ``starts_at`` to before ``ends_at`` earn chances by
    its rule (``earn_kind`` with ``earn_spend_fen``), and members draw in that window. One
    ended before its start has the empty window (both times the end)."""

    __tablename__ = "lottery_campaigns"
    __table_args__ = (
        CheckConstraint("ends_at >= starts_at", name="ck_lottery_campaigns_window"),
        CheckConstraint(
            "earn_kind IN ('per_sale', 'per_spend') AND earn_spend_fen >= 1 "
            "AND (earn_kind = 'per_sale' OR earn_spend_fen >= 100)",
            name="ck_lottery_campaigns_earn",
        ),
        Index("ix_lottery_campaigns_window", "starts_at", "ends_at"),
    )

    campaign_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    earn_kind: str = Field(sa_column=Column(String(16), nullable=False))
    earn_spend_fen: int = Field(sa_column=amount_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    created_by: str = Field(sa_column=Column(String(200), nullable=False))


class LotteryPrize(LoyaltyTable, table=True):
    """A prize of a campaign: ``rank`` 1 is the top one; ``probability`` in parts per
    10,000; exactly the field of its ``kind`` is set (a coupon definition, points, or a
    gift's name)."""

    __tablename__ = "lottery_prizes"
    __table_args__ = (
        UniqueConstraint("campaign_id", "rank", name="uq_lottery_prizes_rank"),
        CheckConstraint(
            "probability BETWEEN 0 AND 10000 AND daily_quota >= 1 AND rank >= 1 "
            "AND fallback IN ('next', 'none')",
            name="ck_lottery_prizes_terms",
        ),
        CheckConstraint(
            "(kind = 'coupon' AND definition_id IS NOT NULL AND points IS NULL "
            "AND gift_name IS NULL) OR (kind = 'points' AND points >= 1 "
            "AND definition_id IS NULL AND gift_name IS NULL) OR (kind = 'gift' "
            "AND gift_name IS NOT NULL AND definition_id IS NULL AND points IS NULL)",
            name="ck_lottery_prizes_kind",
        ),
    )

    prize_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid,
            ForeignKey(
                f"{SCHEMA}.lottery_campaigns.campaign_id", name="fk_lottery_prizes_campaign"
            ),
            nullable=False,
        )
    )
    rank: int = Field(sa_column=Column(Integer, nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    kind: str = Field(sa_column=Column(String(8), nullable=False))
    definition_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            Uuid,
            ForeignKey(f"{SCHEMA}.coupon_definitions.id", name="fk_lottery_prizes_definition"),
        ),
    )
    points: int | None = Field(default=None, sa_column=Column(BigInteger))
    gift_name: str | None = Field(default=None, sa_column=Column(String(100)))
    probability: int = Field(sa_column=Column(Integer, nullable=False))
    daily_quota: int = Field(sa_column=Column(Integer, nullable=False))
    fallback: str = Field(sa_column=Column(String(8), nullable=False))


class LotteryQuota(LoyaltyTable, table=True):
    """How many of a prize were won on one day of the brand (``won``), never past its
    ``quota``: raised only by :func:`services.loyalty.lottery.repository.take_quota`."""

    __tablename__ = "lottery_quotas"
    __table_args__ = (CheckConstraint("won >= 0 AND won <= quota", name="ck_lottery_quotas_won"),)

    prize_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid,
            ForeignKey(f"{SCHEMA}.lottery_prizes.prize_id", name="fk_lottery_quotas_prize"),
            primary_key=True,
        )
    )
    day: date = Field(sa_column=Column(Date, primary_key=True))
    quota: int = Field(sa_column=Column(Integer, nullable=False))
    won: int = Field(sa_column=Column(Integer, nullable=False))


class LotteryChances(LoyaltyTable, table=True):
    """A member's unused chances in a campaign: the sum of their chance entries."""

    __tablename__ = "lottery_chances"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_lottery_chances_balance"),)

    campaign_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID = Field(primary_key=True)
    balance: int = Field(sa_column=amount_column())


class ChanceEntry(LoyaltyTable, table=True):
    """One movement of a member's chances: a purchase earns (its id), a return (its id) or
    a void (the purchase's id) takes back, a draw (its id) spends one. Unique per source,
    so a redelivered event moves nothing twice."""

    __tablename__ = "lottery_chance_entries"
    __table_args__ = (
        UniqueConstraint(
            "campaign_id", "source_type", "source_id", name="uq_lottery_chance_entries_source"
        ),
        CheckConstraint(
            "(source_type = 'purchase' AND chances >= 1) "
            "OR (source_type IN ('return', 'void') AND chances <= 0) "
            "OR (source_type = 'draw' AND chances = -1)",
            name="ck_lottery_chance_entries_source",
        ),
        CheckConstraint("balance_after >= 0", name="ck_lottery_chance_entries_balance"),
        Index("ix_lottery_chance_entries_member", "campaign_id", "member_id"),
    )

    entry_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID
    member_id: uuid.UUID
    source_type: str = Field(sa_column=Column(String(16), nullable=False))
    source_id: uuid.UUID
    chances: int = Field(sa_column=amount_column())
    balance_after: int = Field(sa_column=amount_column())
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())


class LotteryPurchase(LoyaltyTable, table=True):
    """A purchase that earned chances in a campaign, with the fen returned since, so a
    return takes back what the purchase no longer earns."""

    __tablename__ = "lottery_purchases"
    __table_args__ = (
        CheckConstraint(
            "returned_fen BETWEEN 0 AND spend_fen", name="ck_lottery_purchases_returned"
        ),
        Index("ix_lottery_purchases_purchase", "purchase_id"),
    )

    campaign_id: uuid.UUID = Field(primary_key=True)
    purchase_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID
    spend_fen: int = Field(sa_column=amount_column())
    returned_fen: int = Field(default=0, sa_column=amount_column())


class LotteryDraw(LoyaltyTable, table=True):
    """One draw, for audit: the random value (0–9,999) and the prize it picked
    (``drawn_prize_id``), the prize given after quotas and fallbacks (``prize_id``; None:
    no prize), the brand's day whose quota counted, and what delivered it."""

    __tablename__ = "lottery_draws"
    __table_args__ = (
        CheckConstraint("random_value BETWEEN 0 AND 9999", name="ck_lottery_draws_value"),
        Index("ix_lottery_draws_day", "campaign_id", "quota_day", "drawn_at"),
        Index("ix_lottery_draws_member", "member_id", "drawn_at"),
    )

    draw_id: uuid.UUID = Field(primary_key=True)
    campaign_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID
    random_value: int = Field(sa_column=Column(Integer, nullable=False))
    drawn_prize_id: uuid.UUID | None = None
    prize_id: uuid.UUID | None = None
    quota_day: date = Field(sa_column=Column(Date, nullable=False))
    coupon_id: uuid.UUID | None = None
    entry_id: uuid.UUID | None = None
    """The points ledger entry (source ``lottery_prize``) of a points prize."""
    drawn_at: datetime = Field(sa_column=timestamp_column())


class GiftFulfilment(LoyaltyTable, table=True):
    """A gift a draw won, to hand over: staff mark it fulfilled once."""

    __tablename__ = "lottery_fulfilments"

    draw_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid,
            ForeignKey(f"{SCHEMA}.lottery_draws.draw_id", name="fk_lottery_fulfilments_draw"),
            primary_key=True,
        )
    )
    prize_id: uuid.UUID
    member_id: uuid.UUID
    gift_name: str = Field(sa_column=Column(String(100), nullable=False))
    fulfilled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    fulfilled_by: str | None = Field(default=None, sa_column=Column(String(200)))
