"""household accounts: pooled accounts, household holders, transfers, the household policy

- ``accounts.pooled_into``: the household account a member's own account is pooled into
  (NULL for every existing account);
- ``account_holders``: the role ``household`` beside ``owner``, at most one per member;
- the ledger takes ``transfer_out`` (points below zero) and ``transfer_in`` (above zero)
  entries, the two sides of a transfer between accounts;
- ``households`` (each household's account), ``household_transfers`` (what a member
  brought in or took out) and ``household_policy`` (one row once marketing sets it; the
  default, ``earned_share``, applies until then), all empty.

No existing row changes.

Revision ID: 6c90bd357639
Revises: 363dc306530e
Create Date: 2026-11-30 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6c90bd357639"
down_revision: str | None = "363dc306530e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES_BEFORE = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true ELSE false END"
)
SOURCES_AFTER = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true WHEN 'transfer_out' THEN points <= -1 "
    "WHEN 'transfer_in' THEN points >= 1 ELSE false END"
)


def _sources(condition: str) -> None:
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema="loyalty")
    op.create_check_constraint(
        "ck_ledger_entries_source", "ledger_entries", condition, schema="loyalty"
    )


def _roles(roles: str) -> None:
    op.drop_constraint("ck_account_holders_role", "account_holders", schema="loyalty")
    op.create_check_constraint(
        "ck_account_holders_role", "account_holders", f"role IN ({roles})", schema="loyalty"
    )


def upgrade() -> None:
    op.add_column("accounts", sa.Column("pooled_into", sa.Uuid(), nullable=True), schema="loyalty")
    op.create_foreign_key(
        "fk_accounts_pooled_into",
        "accounts",
        "accounts",
        ["pooled_into"],
        ["account_id"],
        source_schema="loyalty",
        referent_schema="loyalty",
    )
    op.create_check_constraint(
        "ck_accounts_pooled_elsewhere", "accounts", "pooled_into <> account_id", schema="loyalty"
    )
    _roles("'owner', 'household'")
    op.create_index(
        "ux_account_holders_one_household",
        "account_holders",
        ["member_id"],
        unique=True,
        schema="loyalty",
        postgresql_where=sa.text("role = 'household'"),
    )
    _sources(SOURCES_AFTER)
    op.create_table(
        "households",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_households_account"
        ),
        sa.PrimaryKeyConstraint("household_id"),
        sa.UniqueConstraint("account_id"),
        schema="loyalty",
    )
    op.create_table(
        "household_transfers",
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction IN ('join', 'leave')", name="ck_household_transfers_direction"
        ),
        sa.CheckConstraint("points > 0", name="ck_household_transfers_points"),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["loyalty.households.household_id"],
            name="fk_household_transfers_household",
        ),
        sa.PrimaryKeyConstraint("transfer_id"),
        schema="loyalty",
    )
    for column in ("household_id", "member_id"):
        op.create_index(
            op.f(f"ix_loyalty_household_transfers_{column}"),
            "household_transfers",
            [column],
            schema="loyalty",
        )
    op.create_table(
        "household_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leaving_share", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_household_policy_one_row"),
        sa.CheckConstraint(
            "leaving_share IN ('nothing', 'earned_share', 'equal_share')",
            name="ck_household_policy_leaving_share",
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="loyalty",
    )


def downgrade() -> None:
    # fails loudly once the ledger has transfer entries (append-only, the old CHECK refuses
    # them) or a member holds a household account, as the void entries' revision does
    op.drop_table("household_policy", schema="loyalty")
    op.drop_table("household_transfers", schema="loyalty")
    op.drop_table("households", schema="loyalty")
    _sources(SOURCES_BEFORE)
    op.drop_index("ux_account_holders_one_household", "account_holders", schema="loyalty")
    _roles("'owner'")
    op.drop_constraint("ck_accounts_pooled_elsewhere", "accounts", schema="loyalty")
    op.drop_constraint("fk_accounts_pooled_into", "accounts", schema="loyalty")
    op.drop_column("accounts", "pooled_into", schema="loyalty")
