"""accounts of their own with members as holders, one source reference per entry, tier standings

What this does to the data of the previous release (``b8d4e2f6a1c9``):

- accounts: each gets a new ``account_id`` (its primary key from now on), and its member
  becomes the account's holder (``account_holders``, role ``owner``, since the account's
  ``created_at``). ``tier_code`` and ``qualifying_spend_fen`` move to ``tier_standings``,
  keyed by member; the balance and version stay with the account.
- ledger entries: ``member_id`` becomes the account's ``account_id``; ``kind`` and the
  three nullable references become one ``(source_type, source_id)``: earn → ``purchase``
  and the purchase id, reverse → ``return`` and the return id, redeem → ``redemption``
  and the redemption id, adjust → ``adjustment`` and the entry's own id. The ledger is
  append-only (no UPDATE right for the service role, and a trigger): this revision grants
  itself UPDATE and disables the trigger for the backfill only, and restores both.
- returns: each reversal's ``(return_id, purchase_id)`` is kept in ``returns``, which now
  links a return to its purchase (its ledger entry names only the return).
- purchases: gain the ``account_id`` they credited; ``member_id`` stays (the buyer).

Revision ID: c5e9a3d7f1b2
Revises: b8d4e2f6a1c9
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e9a3d7f1b2"
down_revision: str | None = "b8d4e2f6a1c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_BALANCE = 2**53 - 1  # shared.inputs.MAX_BALANCE when this revision was written
MAX_RUNNING_FEN = 2**53 - 1
SOURCE_CHECK = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'redemption' THEN points <= -1 WHEN 'adjustment' THEN true ELSE false END"
)


def upgrade() -> None:
    _accounts_get_ids()
    _holders()
    _tier_standings()
    _returns()
    _ledger_sources()
    _purchases_name_accounts()
    _accounts_lose_member_fields()


def _accounts_get_ids() -> None:
    """Each account gets an id of its own, its key from now on."""
    op.add_column("accounts", sa.Column("account_id", sa.Uuid(), nullable=True), schema="loyalty")
    op.execute("UPDATE loyalty.accounts SET account_id = gen_random_uuid()")
    op.alter_column("accounts", "account_id", nullable=False, schema="loyalty")
    op.drop_constraint("fk_ledger_entries_account", "ledger_entries", schema="loyalty")
    op.drop_constraint("fk_purchases_account", "purchases", schema="loyalty")
    op.drop_constraint("accounts_pkey", "accounts", schema="loyalty")
    op.create_primary_key("accounts_pkey", "accounts", ["account_id"], schema="loyalty")


def _holders() -> None:
    op.create_table(
        "account_holders",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('owner')", name="ck_account_holders_role"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_account_holders_account"
        ),
        sa.PrimaryKeyConstraint("account_id", "member_id"),
        schema="loyalty",
    )
    op.create_index(
        "ux_account_holders_one_owned_account",
        "account_holders",
        ["member_id"],
        unique=True,
        schema="loyalty",
        postgresql_where=sa.text("role = 'owner'"),
    )
    op.execute(
        "INSERT INTO loyalty.account_holders (account_id, member_id, role, since) "
        "SELECT account_id, member_id, 'owner', created_at FROM loyalty.accounts"
    )


def _tier_standings() -> None:
    op.create_table(
        "tier_standings",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("tier_code", sa.String(length=32), nullable=False),
        sa.Column("qualifying_spend_fen", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"qualifying_spend_fen >= 0 AND qualifying_spend_fen <= {MAX_RUNNING_FEN}",
            name="ck_tier_standings_qualifying_spend",
        ),
        sa.PrimaryKeyConstraint("member_id"),
        schema="loyalty",
    )
    op.create_index(
        op.f("ix_loyalty_tier_standings_tier_code"),
        "tier_standings",
        ["tier_code"],
        unique=False,
        schema="loyalty",
    )
    op.execute(
        "INSERT INTO loyalty.tier_standings (member_id, tier_code, qualifying_spend_fen, "
        "version, created_at, updated_at) SELECT member_id, tier_code, qualifying_spend_fen, "
        "1, created_at, updated_at FROM loyalty.accounts"
    )


def _returns() -> None:
    op.create_table(
        "returns",
        sa.Column("return_id", sa.Uuid(), nullable=False),
        sa.Column("purchase_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["loyalty.purchases.purchase_id"], name="fk_returns_purchase"
        ),
        sa.PrimaryKeyConstraint("return_id"),
        schema="loyalty",
    )
    op.create_index(
        op.f("ix_loyalty_returns_purchase_id"),
        "returns",
        ["purchase_id"],
        unique=False,
        schema="loyalty",
    )
    op.execute(
        "INSERT INTO loyalty.returns (return_id, purchase_id, created_at) "
        "SELECT return_id, purchase_id, created_at FROM loyalty.ledger_entries "
        "WHERE kind = 'reverse'"
    )


def _ledger_sources() -> None:
    for column in (
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("source_type", sa.String(length=32), nullable=True),
        sa.Column("source_id", sa.Uuid(), nullable=True),
    ):
        op.add_column("ledger_entries", column, schema="loyalty")
    # The backfill is the one UPDATE the ledger ever gets: grant it, with the append-only
    # trigger off, for this transaction's statement only.
    op.execute("GRANT UPDATE ON loyalty.ledger_entries TO CURRENT_USER")
    op.execute("ALTER TABLE loyalty.ledger_entries DISABLE TRIGGER ledger_entries_append_only")
    op.execute(
        """
        UPDATE loyalty.ledger_entries AS e
        SET account_id = a.account_id,
            source_type = CASE e.kind WHEN 'earn' THEN 'purchase' WHEN 'reverse' THEN 'return'
                                      WHEN 'redeem' THEN 'redemption' ELSE 'adjustment' END,
            source_id = CASE e.kind WHEN 'earn' THEN e.purchase_id WHEN 'reverse' THEN e.return_id
                                    WHEN 'redeem' THEN e.redemption_id ELSE e.id END
        FROM loyalty.accounts AS a
        WHERE a.member_id = e.member_id
        """
    )
    op.execute("ALTER TABLE loyalty.ledger_entries ENABLE TRIGGER ledger_entries_append_only")
    op.execute("REVOKE UPDATE ON loyalty.ledger_entries FROM CURRENT_USER")
    for column in ("account_id", "source_type", "source_id"):
        op.alter_column("ledger_entries", column, nullable=False, schema="loyalty")
    for constraint in (
        "fk_ledger_entries_purchase",
        "ck_ledger_entries_earn",
        "ck_ledger_entries_reverse",
        "ck_ledger_entries_redeem",
        "ck_ledger_entries_kind",
        "ledger_entries_return_id_key",
        "ledger_entries_redemption_id_key",
    ):
        op.drop_constraint(constraint, "ledger_entries", schema="loyalty")
    op.drop_index(
        "ux_ledger_entries_one_earn_per_purchase", table_name="ledger_entries", schema="loyalty"
    )
    op.drop_index("ix_ledger_entries_member_seq", table_name="ledger_entries", schema="loyalty")
    op.drop_index(
        "ix_loyalty_ledger_entries_purchase_id", table_name="ledger_entries", schema="loyalty"
    )
    for column in ("member_id", "kind", "purchase_id", "return_id", "redemption_id"):
        op.drop_column("ledger_entries", column, schema="loyalty")
    op.create_check_constraint(
        "ck_ledger_entries_source", "ledger_entries", SOURCE_CHECK, schema="loyalty"
    )
    op.create_check_constraint(
        "ck_ledger_entries_balance_after_limit",
        "ledger_entries",
        f"balance_after <= {MAX_BALANCE}",
        schema="loyalty",
    )
    op.create_index(
        "ux_ledger_entries_source",
        "ledger_entries",
        ["source_type", "source_id"],
        unique=True,
        schema="loyalty",
    )
    op.create_index(
        "ix_ledger_entries_account_seq",
        "ledger_entries",
        ["account_id", "seq"],
        unique=False,
        schema="loyalty",
    )


def _purchases_name_accounts() -> None:
    op.add_column("purchases", sa.Column("account_id", sa.Uuid(), nullable=True), schema="loyalty")
    op.execute(
        "UPDATE loyalty.purchases AS p SET account_id = a.account_id "
        "FROM loyalty.accounts AS a WHERE a.member_id = p.member_id"
    )
    op.alter_column("purchases", "account_id", nullable=False, schema="loyalty")
    op.create_index(
        op.f("ix_loyalty_purchases_account_id"),
        "purchases",
        ["account_id"],
        unique=False,
        schema="loyalty",
    )


def _accounts_lose_member_fields() -> None:
    """What belonged to the member has moved to holders and standings."""
    op.drop_index("ix_loyalty_accounts_tier_code", table_name="accounts", schema="loyalty")
    op.drop_constraint("ck_accounts_qualifying_spend", "accounts", schema="loyalty")
    for column in ("member_id", "tier_code", "qualifying_spend_fen"):
        op.drop_column("accounts", column, schema="loyalty")
    op.create_check_constraint(
        "ck_accounts_balance_limit", "accounts", f"balance <= {MAX_BALANCE}", schema="loyalty"
    )
    for table, name in (
        ("ledger_entries", "fk_ledger_entries_account"),
        ("purchases", "fk_purchases_account"),
    ):
        op.create_foreign_key(
            name,
            table,
            "accounts",
            ["account_id"],
            ["account_id"],
            source_schema="loyalty",
            referent_schema="loyalty",
        )


def downgrade() -> None:
    """Back to member-keyed accounts. Only possible while every account has exactly one
    holder, as every account this revision made has."""
    _accounts_name_members_again()
    _ledger_kinds_again()
    op.drop_index(op.f("ix_loyalty_purchases_account_id"), table_name="purchases", schema="loyalty")
    op.drop_column("purchases", "account_id", schema="loyalty")
    op.drop_index(op.f("ix_loyalty_returns_purchase_id"), table_name="returns", schema="loyalty")
    op.drop_table("returns", schema="loyalty")
    op.drop_index(
        op.f("ix_loyalty_tier_standings_tier_code"), table_name="tier_standings", schema="loyalty"
    )
    op.drop_table("tier_standings", schema="loyalty")
    op.drop_index(
        "ux_account_holders_one_owned_account", table_name="account_holders", schema="loyalty"
    )
    op.drop_table("account_holders", schema="loyalty")
    op.drop_constraint("accounts_pkey", "accounts", schema="loyalty")
    op.create_primary_key("accounts_pkey", "accounts", ["member_id"], schema="loyalty")
    op.drop_column("accounts", "account_id", schema="loyalty")
    for table, columns, referent, name in (
        ("purchases", ["member_id"], ("accounts", "member_id"), "fk_purchases_account"),
        ("ledger_entries", ["member_id"], ("accounts", "member_id"), "fk_ledger_entries_account"),
        (
            "ledger_entries",
            ["purchase_id"],
            ("purchases", "purchase_id"),
            "fk_ledger_entries_purchase",
        ),
    ):
        op.create_foreign_key(
            name,
            table,
            referent[0],
            columns,
            [referent[1]],
            source_schema="loyalty",
            referent_schema="loyalty",
        )


def _accounts_name_members_again() -> None:
    op.add_column("accounts", sa.Column("member_id", sa.Uuid(), nullable=True), schema="loyalty")
    op.add_column(
        "accounts", sa.Column("tier_code", sa.String(length=32), nullable=True), schema="loyalty"
    )
    op.add_column(
        "accounts",
        sa.Column("qualifying_spend_fen", sa.BigInteger(), nullable=True),
        schema="loyalty",
    )
    op.execute(
        "UPDATE loyalty.accounts AS a SET member_id = h.member_id, tier_code = s.tier_code, "
        "qualifying_spend_fen = s.qualifying_spend_fen "
        "FROM loyalty.account_holders AS h JOIN loyalty.tier_standings AS s USING (member_id) "
        "WHERE h.account_id = a.account_id AND h.role = 'owner'"
    )
    for column in ("member_id", "tier_code", "qualifying_spend_fen"):
        op.alter_column("accounts", column, nullable=False, schema="loyalty")
    op.create_index(
        op.f("ix_loyalty_accounts_tier_code"), "accounts", ["tier_code"], schema="loyalty"
    )
    op.create_check_constraint(
        "ck_accounts_qualifying_spend", "accounts", "qualifying_spend_fen >= 0", schema="loyalty"
    )
    op.drop_constraint("ck_accounts_balance_limit", "accounts", schema="loyalty")


def _ledger_kinds_again() -> None:
    op.add_column("ledger_entries", sa.Column("member_id", sa.Uuid()), schema="loyalty")
    op.add_column("ledger_entries", sa.Column("kind", sa.String(length=16)), schema="loyalty")
    for column in ("purchase_id", "return_id", "redemption_id"):
        op.add_column("ledger_entries", sa.Column(column, sa.Uuid()), schema="loyalty")
    op.execute("GRANT UPDATE ON loyalty.ledger_entries TO CURRENT_USER")
    op.execute("ALTER TABLE loyalty.ledger_entries DISABLE TRIGGER ledger_entries_append_only")
    op.execute(
        """
        UPDATE loyalty.ledger_entries AS e
        SET member_id = h.member_id,
            kind = CASE e.source_type WHEN 'purchase' THEN 'earn' WHEN 'return' THEN 'reverse'
                                      WHEN 'redemption' THEN 'redeem' ELSE 'adjust' END,
            purchase_id = CASE e.source_type
                WHEN 'purchase' THEN e.source_id
                WHEN 'return' THEN (SELECT r.purchase_id FROM loyalty.returns AS r
                                    WHERE r.return_id = e.source_id)
            END,
            return_id = CASE WHEN e.source_type = 'return' THEN e.source_id END,
            redemption_id = CASE WHEN e.source_type = 'redemption' THEN e.source_id END
        FROM loyalty.account_holders AS h
        WHERE h.account_id = e.account_id AND h.role = 'owner'
        """
    )
    op.execute("ALTER TABLE loyalty.ledger_entries ENABLE TRIGGER ledger_entries_append_only")
    op.execute("REVOKE UPDATE ON loyalty.ledger_entries FROM CURRENT_USER")
    op.alter_column("ledger_entries", "member_id", nullable=False, schema="loyalty")
    op.alter_column("ledger_entries", "kind", nullable=False, schema="loyalty")
    op.drop_index("ix_ledger_entries_account_seq", table_name="ledger_entries", schema="loyalty")
    op.drop_index("ux_ledger_entries_source", table_name="ledger_entries", schema="loyalty")
    op.drop_constraint("ck_ledger_entries_balance_after_limit", "ledger_entries", schema="loyalty")
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema="loyalty")
    for column in ("account_id", "source_type", "source_id"):
        op.drop_column("ledger_entries", column, schema="loyalty")
    for name, condition in (
        ("ck_ledger_entries_kind", "kind IN ('earn', 'reverse', 'redeem', 'adjust')"),
        ("ck_ledger_entries_earn", "kind <> 'earn' OR (purchase_id IS NOT NULL AND points >= 0)"),
        (
            "ck_ledger_entries_reverse",
            "kind <> 'reverse' OR (purchase_id IS NOT NULL AND return_id IS NOT NULL "
            "AND points <= 0)",
        ),
        (
            "ck_ledger_entries_redeem",
            "kind <> 'redeem' OR (redemption_id IS NOT NULL AND points < 0)",
        ),
    ):
        op.create_check_constraint(name, "ledger_entries", condition, schema="loyalty")
    op.create_unique_constraint(
        "ledger_entries_return_id_key", "ledger_entries", ["return_id"], schema="loyalty"
    )
    op.create_unique_constraint(
        "ledger_entries_redemption_id_key", "ledger_entries", ["redemption_id"], schema="loyalty"
    )
    op.create_index(
        "ix_ledger_entries_member_seq", "ledger_entries", ["member_id", "seq"], schema="loyalty"
    )
    op.create_index(
        "ix_loyalty_ledger_entries_purchase_id", "ledger_entries", ["purchase_id"], schema="loyalty"
    )
    op.create_index(
        "ux_ledger_entries_one_earn_per_purchase",
        "ledger_entries",
        ["purchase_id"],
        unique=True,
        schema="loyalty",
        postgresql_where=sa.text("kind = 'earn'"),
    )
