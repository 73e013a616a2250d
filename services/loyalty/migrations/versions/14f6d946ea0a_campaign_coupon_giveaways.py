"""campaigns give coupons on qualifying purchases; a coupon names the campaign it came from

- ``campaigns``: ``giveaway_definition_id`` and ``giveaway_threshold_fen`` (together): a
  purchase whose qualifying spend reaches the threshold gets one coupon of the definition;
  ``giveaway_quantity`` the most it gives, ``coupons_given`` what it gave (a CHECK keeps it
  within); a giveaway alone is an effect.
- ``campaign_purchases.coupon_id``: the coupon the purchase got.
- ``coupons.campaign_id``: the campaign that gave it (NULL: granted otherwise); status
  ``withdrawn`` (a return took the purchase below the threshold before it was used).

Revision ID: 14f6d946ea0a
Revises: 108335e003eb
Create Date: 2026-11-30 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "14f6d946ea0a"
down_revision: str | None = "108335e003eb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"
EFFECT_BEFORE = "multiplier_percent IS NOT NULL OR bonus_points IS NOT NULL"
EFFECT_AFTER = EFFECT_BEFORE + " OR giveaway_definition_id IS NOT NULL"
GIVEAWAY = (
    "(giveaway_definition_id IS NULL) = (giveaway_threshold_fen IS NULL) "
    "AND (giveaway_quantity IS NULL OR giveaway_definition_id IS NOT NULL) "
    "AND coupons_given >= 0 AND (giveaway_quantity IS NULL OR coupons_given <= giveaway_quantity)"
)


STATUSES_BEFORE = "status IN ('active', 'expired')"
STATUSES_AFTER = "status IN ('active', 'expired', 'withdrawn')"


def _status_check(condition: str) -> None:
    op.drop_constraint("ck_coupons_status", "coupons", schema=S)
    op.create_check_constraint("ck_coupons_status", "coupons", condition, schema=S)


def _effect_check(condition: str) -> None:
    op.drop_constraint("ck_campaigns_effect", "campaigns", schema=S)
    op.create_check_constraint("ck_campaigns_effect", "campaigns", condition, schema=S)


def upgrade() -> None:
    op.add_column(
        "campaigns",
        sa.Column(
            "giveaway_definition_id",
            sa.Uuid(),
            sa.ForeignKey(f"{S}.coupon_definitions.id", name="fk_campaigns_giveaway_definition"),
        ),
        schema=S,
    )
    op.add_column("campaigns", sa.Column("giveaway_threshold_fen", sa.BigInteger()), schema=S)
    op.add_column("campaigns", sa.Column("giveaway_quantity", sa.BigInteger()), schema=S)
    op.add_column(
        "campaigns",
        sa.Column("coupons_given", sa.BigInteger(), nullable=False, server_default="0"),
        schema=S,
    )
    op.alter_column("campaigns", "coupons_given", server_default=None, schema=S)
    op.create_check_constraint("ck_campaigns_giveaway", "campaigns", GIVEAWAY, schema=S)
    _effect_check(EFFECT_AFTER)
    op.add_column("campaign_purchases", sa.Column("coupon_id", sa.Uuid()), schema=S)
    op.add_column(
        "coupons",
        sa.Column(
            "campaign_id",
            sa.Uuid(),
            sa.ForeignKey(f"{S}.campaigns.campaign_id", name="fk_coupons_campaign"),
        ),
        schema=S,
    )
    _status_check(STATUSES_AFTER)


def downgrade() -> None:
    op.execute(f"UPDATE {S}.coupons SET status = 'expired' WHERE status = 'withdrawn'")
    _status_check(STATUSES_BEFORE)
    op.drop_column("coupons", "campaign_id", schema=S)
    op.drop_column("campaign_purchases", "coupon_id", schema=S)
    op.execute(
        f"DELETE FROM {S}.campaign_purchases WHERE campaign_id IN "
        f"(SELECT campaign_id FROM {S}.campaigns WHERE NOT ({EFFECT_BEFORE}))"
    )
    op.execute(f"DELETE FROM {S}.campaigns WHERE NOT ({EFFECT_BEFORE})")
    _effect_check(EFFECT_BEFORE)
    op.drop_constraint("ck_campaigns_giveaway", "campaigns", schema=S)
    for column in ("coupons_given", "giveaway_quantity", "giveaway_threshold_fen"):
        op.drop_column("campaigns", column, schema=S)
    op.drop_column("campaigns", "giveaway_definition_id", schema=S)
