"""lottery draws (抽奖): campaigns, prizes, daily quotas, chances, draws, gift fulfilments

- ``lottery_campaigns``, ``lottery_prizes``: terms, made once by marketing.
- ``lottery_quotas``: won per prize per brand day, ``CHECK won <= quota``.
- ``lottery_chances`` (balance >= 0) and ``lottery_chance_entries`` (its ledger),
  ``lottery_purchases`` (what a purchase earned on, for returns).
- ``lottery_draws`` (the audit of every draw) and ``lottery_fulfilments`` (gifts).
- ledger entries of source ``lottery_prize`` (points >= 1): ``ck_ledger_entries_source``
  rebuilt.

Revision ID: d7e3a9c1f5b8
Revises: a1d5c3e7b9f2
Create Date: 2026-11-30 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7e3a9c1f5b8"
down_revision: str | None = "a1d5c3e7b9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"

_EARLIER = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true WHEN 'expiry' THEN points <= -1 "
    "WHEN 'recovery' THEN points <= -1 WHEN 'transfer_out' THEN points <= -1 "
    "WHEN 'transfer_in' THEN points >= 1 WHEN 'till_hold' THEN points <= -1 "
    "WHEN 'till_release' THEN points >= 1 WHEN 'till_refund' THEN points >= 1 "
    "WHEN 'till_retake' THEN points <= 0 WHEN 'reward_order' THEN points <= -1 "
    "WHEN 'reward_refund' THEN points >= 1 WHEN 'campaign_reward' THEN points >= 1 "
)
BEFORE = _EARLIER + "ELSE false END"
AFTER = _EARLIER + "WHEN 'lottery_prize' THEN points >= 1 ELSE false END"


def _source_check(condition: str) -> None:
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema=S)
    op.create_check_constraint("ck_ledger_entries_source", "ledger_entries", condition, schema=S)


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _source_check(AFTER)
    op.create_table(
        "lottery_campaigns",
        sa.Column("campaign_id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("earn_kind", sa.String(16), nullable=False),
        sa.Column("earn_spend_fen", sa.BigInteger(), nullable=False),
        _time("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.CheckConstraint("ends_at >= starts_at", name="ck_lottery_campaigns_window"),
        sa.CheckConstraint(
            "earn_kind IN ('per_sale', 'per_spend') AND earn_spend_fen >= 1 "
            "AND (earn_kind = 'per_sale' OR earn_spend_fen >= 100)",
            name="ck_lottery_campaigns_earn",
        ),
        schema=S,
    )
    op.create_index(
        "ix_lottery_campaigns_window", "lottery_campaigns", ["starts_at", "ends_at"], schema=S
    )
    op.create_table(
        "lottery_prizes",
        sa.Column("prize_id", sa.Uuid(), primary_key=True),
        sa.Column(
            "campaign_id",
            sa.Uuid(),
            sa.ForeignKey(f"{S}.lottery_campaigns.campaign_id", name="fk_lottery_prizes_campaign"),
            nullable=False,
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column(
            "definition_id",
            sa.Uuid(),
            sa.ForeignKey(f"{S}.coupon_definitions.id", name="fk_lottery_prizes_definition"),
            nullable=True,
        ),
        sa.Column("points", sa.BigInteger(), nullable=True),
        sa.Column("gift_name", sa.String(100), nullable=True),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=False),
        sa.Column("fallback", sa.String(8), nullable=False),
        sa.UniqueConstraint("campaign_id", "rank", name="uq_lottery_prizes_rank"),
        sa.CheckConstraint(
            "probability BETWEEN 0 AND 10000 AND daily_quota >= 1 AND rank >= 1 "
            "AND fallback IN ('next', 'none')",
            name="ck_lottery_prizes_terms",
        ),
        sa.CheckConstraint(
            "(kind = 'coupon' AND definition_id IS NOT NULL AND points IS NULL "
            "AND gift_name IS NULL) OR (kind = 'points' AND points >= 1 "
            "AND definition_id IS NULL AND gift_name IS NULL) OR (kind = 'gift' "
            "AND gift_name IS NOT NULL AND definition_id IS NULL AND points IS NULL)",
            name="ck_lottery_prizes_kind",
        ),
        schema=S,
    )
    op.create_table(
        "lottery_quotas",
        sa.Column(
            "prize_id",
            sa.Uuid(),
            sa.ForeignKey(f"{S}.lottery_prizes.prize_id", name="fk_lottery_quotas_prize"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("won", sa.Integer(), nullable=False),
        sa.CheckConstraint("won >= 0 AND won <= quota", name="ck_lottery_quotas_won"),
        schema=S,
    )
    op.create_table(
        "lottery_chances",
        sa.Column("campaign_id", sa.Uuid(), primary_key=True),
        sa.Column("member_id", sa.Uuid(), primary_key=True),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("balance >= 0", name="ck_lottery_chances_balance"),
        schema=S,
    )
    op.create_table(
        "lottery_chance_entries",
        sa.Column("entry_id", sa.Uuid(), primary_key=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("source_type", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("chances", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        _time("created_at"),
        sa.UniqueConstraint(
            "campaign_id", "source_type", "source_id", name="uq_lottery_chance_entries_source"
        ),
        sa.CheckConstraint(
            "(source_type = 'purchase' AND chances >= 1) "
            "OR (source_type IN ('return', 'void') AND chances <= 0) "
            "OR (source_type = 'draw' AND chances = -1)",
            name="ck_lottery_chance_entries_source",
        ),
        sa.CheckConstraint("balance_after >= 0", name="ck_lottery_chance_entries_balance"),
        schema=S,
    )
    op.create_index(
        "ix_lottery_chance_entries_member",
        "lottery_chance_entries",
        ["campaign_id", "member_id"],
        schema=S,
    )
    op.create_table(
        "lottery_purchases",
        sa.Column("campaign_id", sa.Uuid(), primary_key=True),
        sa.Column("purchase_id", sa.Uuid(), primary_key=True),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("spend_fen", sa.BigInteger(), nullable=False),
        sa.Column("returned_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "returned_fen BETWEEN 0 AND spend_fen", name="ck_lottery_purchases_returned"
        ),
        schema=S,
    )
    op.create_index("ix_lottery_purchases_purchase", "lottery_purchases", ["purchase_id"], schema=S)
    op.create_table(
        "lottery_draws",
        sa.Column("draw_id", sa.Uuid(), primary_key=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("random_value", sa.Integer(), nullable=False),
        sa.Column("drawn_prize_id", sa.Uuid(), nullable=True),
        sa.Column("prize_id", sa.Uuid(), nullable=True),
        sa.Column("quota_day", sa.Date(), nullable=False),
        sa.Column("coupon_id", sa.Uuid(), nullable=True),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        _time("drawn_at"),
        sa.CheckConstraint("random_value BETWEEN 0 AND 9999", name="ck_lottery_draws_value"),
        schema=S,
    )
    op.create_index(
        "ix_lottery_draws_day",
        "lottery_draws",
        ["campaign_id", "quota_day", "drawn_at"],
        schema=S,
    )
    op.create_index("ix_lottery_draws_member", "lottery_draws", ["member_id", "drawn_at"], schema=S)
    op.create_table(
        "lottery_fulfilments",
        sa.Column(
            "draw_id",
            sa.Uuid(),
            sa.ForeignKey(f"{S}.lottery_draws.draw_id", name="fk_lottery_fulfilments_draw"),
            primary_key=True,
        ),
        sa.Column("prize_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("gift_name", sa.String(100), nullable=False),
        _time("fulfilled_at", nullable=True),
        sa.Column("fulfilled_by", sa.String(200), nullable=True),
        schema=S,
    )


def downgrade() -> None:
    # entries are never deleted: with lottery prizes on the ledger this fails loudly
    _source_check(BEFORE)
    for table in (
        "lottery_fulfilments",
        "lottery_draws",
        "lottery_purchases",
        "lottery_chance_entries",
        "lottery_chances",
        "lottery_quotas",
        "lottery_prizes",
        "lottery_campaigns",
    ):
        op.drop_table(table, schema=S)
