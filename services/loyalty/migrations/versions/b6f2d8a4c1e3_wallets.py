"""wallets: stored value (储值) per loyalty account, its lots, its ledger, bonus rules;
till reservations of stored value

Four new tables, empty: stored value starts with this release. Till reservations get a
``tender`` (every existing one holds points); a sale may commit one reservation per tender.

Revision ID: b6f2d8a4c1e3
Revises: d7e3a9c1f5b8
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b6f2d8a4c1e3"
down_revision: str | None = "d7e3a9c1f5b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "wallets",
        sa.Column("account_id", sa.Uuid(), primary_key=True),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        _at("updated_at"),
        sa.CheckConstraint("principal_fen >= 0 AND bonus_fen >= 0", name="ck_wallets_not_negative"),
        schema=S,
    )
    op.create_table(
        "wallet_lots",
        sa.Column("lot_id", sa.Uuid(), primary_key=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        sa.Column("remaining_fen", sa.BigInteger(), nullable=False),
        sa.Column("rule_version", sa.Integer()),
        _at("created_at"),
        _at("refunded_at", nullable=True),
        sa.Column("refunded_by_store_id", sa.Uuid()),
        sa.CheckConstraint("principal_fen > 0 AND bonus_fen >= 0", name="ck_wallet_lots_amounts"),
        sa.CheckConstraint(
            "remaining_fen BETWEEN 0 AND principal_fen + bonus_fen",
            name="ck_wallet_lots_remaining",
        ),
        schema=S,
    )
    op.create_index(
        "ix_wallet_lots_open",
        "wallet_lots",
        ["account_id", "created_at", "lot_id"],
        postgresql_where=sa.text("remaining_fen > 0"),
        schema=S,
    )
    op.create_table(
        "wallet_entries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("reservation_id", sa.Uuid()),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        _at("created_at"),
        sa.CheckConstraint(
            "kind IN ('deposit', 'deposit_refund', 'payment', 'payment_release', "
            "'payment_refund', 'payment_retake')",
            name="ck_wallet_entries_kind",
        ),
        sa.UniqueConstraint("kind", "source_id", "lot_id", name="uq_wallet_entries_source"),
        schema=S,
    )
    op.create_index("ix_wallet_entries_account", "wallet_entries", ["account_id", "seq"], schema=S)
    op.create_index("ix_wallet_entries_created", "wallet_entries", ["created_at"], schema=S)
    op.create_index(
        "ix_wallet_entries_reservation",
        "wallet_entries",
        ["reservation_id"],
        postgresql_where=sa.text("reservation_id IS NOT NULL"),
        schema=S,
    )
    op.create_table(
        "wallet_bonus_rules",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("tiers", postgresql.JSONB(), nullable=False),
        _at("set_at"),
        sa.Column("set_by", sa.String(255), nullable=False),
        schema=S,
    )
    _reservations_upgrade()


def _reservations_upgrade() -> None:
    op.add_column(
        "till_reservations",
        sa.Column("tender", sa.String(16), nullable=False, server_default="points"),
        schema=S,
    )
    op.alter_column("till_reservations", "tender", server_default=None, schema=S)
    op.create_check_constraint(
        "ck_till_reservations_tender",
        "till_reservations",
        "tender IN ('points', 'stored_value')",
        schema=S,
    )
    _replace_amounts_and_purchase("amount_fen > 0 AND (points > 0) = (tender = 'points')", True)


def _replace_amounts_and_purchase(amounts: str, per_tender: bool) -> None:
    op.drop_constraint("ck_till_reservations_amounts", "till_reservations", schema=S)
    op.create_check_constraint(
        "ck_till_reservations_amounts", "till_reservations", amounts, schema=S
    )
    op.drop_index("ux_till_reservations_purchase", "till_reservations", schema=S)
    op.create_index(
        "ux_till_reservations_purchase",
        "till_reservations",
        ["purchase_id", "tender"] if per_tender else ["purchase_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('committed', 'confirmed')"),
        schema=S,
    )


def downgrade() -> None:
    # stored-value reservations have no place in the previous release's table
    op.execute("DELETE FROM loyalty.till_reservations WHERE tender = 'stored_value'")
    _replace_amounts_and_purchase("points > 0 AND amount_fen > 0", False)
    op.drop_constraint("ck_till_reservations_tender", "till_reservations", schema=S)
    op.drop_column("till_reservations", "tender", schema=S)
    op.drop_table("wallet_bonus_rules", schema=S)
    op.drop_index("ix_wallet_entries_reservation", "wallet_entries", schema=S)
    op.drop_index("ix_wallet_entries_created", "wallet_entries", schema=S)
    op.drop_index("ix_wallet_entries_account", "wallet_entries", schema=S)
    op.drop_table("wallet_entries", schema=S)
    op.drop_index("ix_wallet_lots_open", "wallet_lots", schema=S)
    op.drop_table("wallet_lots", schema=S)
    op.drop_table("wallets", schema=S)
