"""the database holds the ledger's invariants

One earn entry per purchase, each entry kind with its reference and sign, entries and
purchases tied to an existing account and purchase, and no UPDATE, DELETE or TRUNCATE
right on the ledger for the service role (the append-only trigger stays as a second
guard against anyone else). Purchases keep the tier they earned at, so the points can be
recomputed from the rules. A balance below zero was already refused
(``ck_accounts_balance``), and so was a second entry for one return (``return_id`` is
unique).

Revision ID: f7a2c9d1e4b3
Revises: e3c1f5a2b7d4
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7a2c9d1e4b3"
down_revision: str | None = "e3c1f5a2b7d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "purchases", sa.Column("tier_code", sa.String(length=32), nullable=True), schema="loyalty"
    )
    op.create_foreign_key(
        "fk_purchases_account",
        "purchases",
        "accounts",
        ["member_id"],
        ["member_id"],
        source_schema="loyalty",
        referent_schema="loyalty",
    )
    op.create_foreign_key(
        "fk_ledger_entries_account",
        "ledger_entries",
        "accounts",
        ["member_id"],
        ["member_id"],
        source_schema="loyalty",
        referent_schema="loyalty",
    )
    op.create_foreign_key(
        "fk_ledger_entries_purchase",
        "ledger_entries",
        "purchases",
        ["purchase_id"],
        ["purchase_id"],
        source_schema="loyalty",
        referent_schema="loyalty",
    )
    op.create_check_constraint(
        "ck_ledger_entries_earn",
        "ledger_entries",
        "kind <> 'earn' OR (purchase_id IS NOT NULL AND points >= 0)",
        schema="loyalty",
    )
    op.create_check_constraint(
        "ck_ledger_entries_reverse",
        "ledger_entries",
        "kind <> 'reverse' OR (purchase_id IS NOT NULL AND return_id IS NOT NULL AND points <= 0)",
        schema="loyalty",
    )
    op.create_check_constraint(
        "ck_ledger_entries_redeem",
        "ledger_entries",
        "kind <> 'redeem' OR (redemption_id IS NOT NULL AND points < 0)",
        schema="loyalty",
    )
    op.create_index(
        "ux_ledger_entries_one_earn_per_purchase",
        "ledger_entries",
        ["purchase_id"],
        unique=True,
        schema="loyalty",
        postgresql_where=sa.text("kind = 'earn'"),
    )
    # Migrations run as the service role, which owns its tables: an owner keeps only the
    # rights it is not revoked, so from here on the service can append to the ledger only.
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON loyalty.ledger_entries FROM CURRENT_USER")


def downgrade() -> None:
    op.execute("GRANT UPDATE, DELETE, TRUNCATE ON loyalty.ledger_entries TO CURRENT_USER")
    op.drop_index(
        "ux_ledger_entries_one_earn_per_purchase",
        table_name="ledger_entries",
        schema="loyalty",
        postgresql_where=sa.text("kind = 'earn'"),
    )
    op.drop_constraint("ck_ledger_entries_redeem", "ledger_entries", schema="loyalty")
    op.drop_constraint("ck_ledger_entries_reverse", "ledger_entries", schema="loyalty")
    op.drop_constraint("ck_ledger_entries_earn", "ledger_entries", schema="loyalty")
    op.drop_constraint("fk_ledger_entries_purchase", "ledger_entries", schema="loyalty")
    op.drop_constraint("fk_ledger_entries_account", "ledger_entries", schema="loyalty")
    op.drop_constraint("fk_purchases_account", "purchases", schema="loyalty")
    op.drop_column("purchases", "tier_code", schema="loyalty")
