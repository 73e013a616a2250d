"""the program's reads kept across batches: version tokens

``earning_rule.version`` gets a new token from every change of the program made under its
lock ``FOR UPDATE`` (``locked_for_change``), and ``kept_versions``' ``program`` row from
a trigger on every table the kept reads come from (the ladder, the tier and points
policies, the rules' versions, the campaigns' terms and close-outs), whoever writes them.
A batch reads both with the program's lock (``shared.kept``).

Revision ID: c5a1e7d3b9f2
Revises: 78d654f35b22
Create Date: 2026-12-01 22:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.kept import (
    bump_on_change_ddl,
    drop_bump_on_change_ddl,
    drop_kept_versions_ddl,
    kept_versions_ddl,
)

revision: str = "c5a1e7d3b9f2"
down_revision: str | None = "78d654f35b22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"
WATCHED: dict[str, tuple[str, ...]] = {
    "tiers": (),
    "tier_policy": (),
    "points_policy": (),
    "earning_rule_versions": (),
    # not spent_points or coupons_given, which every sale a campaign reaches updates
    "campaigns": (
        "campaign_id",
        "starts_at",
        "ends_at",
        "scope",
        "multiplier_percent",
        "bonus_points",
        "bonus_threshold_fen",
        "giveaway_definition_id",
        "giveaway_threshold_fen",
        "closed_at",
        "created_at",
    ),
}


def upgrade() -> None:
    op.add_column(
        "earning_rule",
        sa.Column(
            "version", sa.Uuid(), nullable=False, server_default=sa.text("gen_random_uuid()")
        ),
        schema=S,
    )
    for statement in kept_versions_ddl(S, ["program"]):
        op.execute(statement)
    for table, columns in WATCHED.items():
        for statement in bump_on_change_ddl(S, table, "program", columns=columns):
            op.execute(statement)


def downgrade() -> None:
    for table in WATCHED:
        for statement in drop_bump_on_change_ddl(S, table, "program"):
            op.execute(statement)
    for statement in drop_kept_versions_ddl(S):
        op.execute(statement)
    op.drop_column("earning_rule", "version", schema=S)
