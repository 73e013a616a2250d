"""point lots, opening lots of existing balances, and AccountOpened for existing accounts

What this does to the data of the previous revision (``c5e9a3d7f1b2``):

- point lots: each account with a positive balance gets one opening lot holding its whole
  balance (``entry_id`` NULL: no ledger entry of its own; never expiring), earned when the
  account's last ledger entry was made. Lots of the earns before are not reconstructed:
  the balance is what remains of them, and nothing expired yet.
- events: one ``loyalty.account.opened`` outbox row per account, with the member's tier at
  upgrade time, so consumers that never saw a tier change (analytics) learn every
  member's tier. The relay publishes them like any other row.

Revision ID: e8b2d4f6a9c1
Revises: c5e9a3d7f1b2
Create Date: 2026-11-24 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.events.envelope import CloudEvent
from shared.events.loyalty import AccountOpened

revision: str = "e8b2d4f6a9c1"
down_revision: str | None = "c5e9a3d7f1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPENED_BATCH = 5_000


def upgrade() -> None:
    _point_lots()
    _announce_accounts()


def _point_lots() -> None:
    op.create_table(
        "point_lots",
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("points > 0", name="ck_point_lots_points"),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= points", name="ck_point_lots_remaining"
        ),
        sa.CheckConstraint(
            "expires_at IS NULL OR expires_at > earned_at", name="ck_point_lots_expiry"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_point_lots_account"
        ),
        sa.PrimaryKeyConstraint("lot_id"),
        sa.UniqueConstraint("entry_id"),
        schema="loyalty",
    )
    op.create_index(
        "ix_point_lots_open",
        "point_lots",
        ["account_id"],
        unique=False,
        schema="loyalty",
        postgresql_where=sa.text("remaining > 0"),
    )
    op.execute(
        """
        INSERT INTO loyalty.point_lots (lot_id, account_id, entry_id, points, remaining,
                                        earned_at, available_at, expires_at)
        SELECT gen_random_uuid(), a.account_id, NULL, a.balance, a.balance, at.t, at.t, NULL
        FROM loyalty.accounts AS a
        CROSS JOIN LATERAL (
            SELECT coalesce(max(e.created_at), a.created_at) AS t
            FROM loyalty.ledger_entries AS e WHERE e.account_id = a.account_id
        ) AS at
        WHERE a.balance > 0
        """
    )


def _announce_accounts() -> None:
    """One ``loyalty.account.opened`` per account, in the outbox the relay publishes."""
    bind = op.get_bind()
    accounts = sa.text(
        """
        SELECT h.account_id, h.member_id, s.tier_code, coalesce(t.name, s.tier_code) AS tier_name,
               a.created_at
        FROM loyalty.account_holders AS h
        JOIN loyalty.accounts AS a USING (account_id)
        JOIN loyalty.tier_standings AS s USING (member_id)
        LEFT JOIN loyalty.tiers AS t ON t.code = s.tier_code
        WHERE h.role = 'owner' AND h.account_id > :after
        ORDER BY h.account_id
        LIMIT :batch
        """
    )
    insert = sa.text(
        "INSERT INTO loyalty.outbox (event_id, event_type, topic, key, envelope) "
        "VALUES (:event_id, :event_type, :topic, :key, CAST(:envelope AS jsonb))"
    )
    after = "00000000-0000-0000-0000-000000000000"
    while rows := bind.execute(accounts, {"after": after, "batch": OPENED_BATCH}).all():
        events = [
            CloudEvent.of(
                AccountOpened(
                    account_id=row.account_id,
                    member_id=row.member_id,
                    tier_code=row.tier_code,
                    tier_name=row.tier_name,
                    opened_at=row.created_at,
                ),
                source="/huiyuan/loyalty",
            )
            for row in rows
        ]
        bind.execute(
            insert,
            [
                {
                    "event_id": event.id,
                    "event_type": event.type,
                    "topic": event.topic,
                    "key": event.key,
                    "envelope": event.model_dump_json(),
                }
                for event in events
            ],
        )
        after = str(rows[-1].account_id)


def downgrade() -> None:
    """Drops the lots; the ``loyalty.account.opened`` outbox rows stay (consumers took
    them, or will, and apply them once)."""
    op.drop_index("ix_point_lots_open", table_name="point_lots", schema="loyalty")
    op.drop_table("point_lots", schema="loyalty")
