"""lot draws, account poolings, till refunds by reservation; a credit may make several lots

- ``lot_draws``: what each debit took from each lot (from now on; earlier debits have
  none, and their reversals open one lot available at once that never expires, as before).
- ``account_poolings``: when each account was pooled into another, as positions in the
  ledger's order. Accounts pooled now get one open pooling starting at their joining's
  ``transfer_out`` entry (0 when they brought no points); poolings that ended before this
  revision are not known and not made up.
- ``till_refunds``: each ``till_refund`` credit's reservation, filled for the credits made
  before (a void's source is the sale's purchase id, a return's is in ``returns``).
- ``point_lots.entry_id`` is no longer unique: a credit that gives points back makes a lot
  per lot its debit drew on.

Revision ID: 05505b663f29
Revises: 2dfe1f8e358f
Create Date: 2026-11-30 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "05505b663f29"
down_revision: str | None = "2dfe1f8e358f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"


def upgrade() -> None:
    op.drop_constraint("point_lots_entry_id_key", "point_lots", schema=S)
    op.create_index("ix_point_lots_entry", "point_lots", ["entry_id"], schema=S)
    op.create_table(
        "lot_draws",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("restored", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("points > 0", name="ck_lot_draws_points"),
        sa.CheckConstraint("restored BETWEEN 0 AND points", name="ck_lot_draws_restored"),
        sa.ForeignKeyConstraint(["lot_id"], ["loyalty.point_lots.lot_id"], name="fk_lot_draws_lot"),
        sa.PrimaryKeyConstraint("entry_id", "position"),
        schema=S,
    )
    op.create_table(
        "account_poolings",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pooled_into", sa.Uuid(), nullable=False),
        sa.Column("until_seq", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("until_seq IS NULL OR until_seq > from_seq", name="ck_poolings_order"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["loyalty.accounts.account_id"], name="fk_poolings_account"
        ),
        sa.ForeignKeyConstraint(
            ["pooled_into"], ["loyalty.accounts.account_id"], name="fk_poolings_pooled_into"
        ),
        sa.PrimaryKeyConstraint("account_id", "from_seq"),
        schema=S,
    )
    op.create_index(
        "ux_poolings_open",
        "account_poolings",
        ["account_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("until_seq IS NULL"),
    )
    op.execute(
        """
        INSERT INTO loyalty.account_poolings (account_id, from_seq, pooled_into)
        SELECT a.account_id,
               coalesce((SELECT max(o.seq) FROM loyalty.ledger_entries o
                         JOIN loyalty.ledger_entries i
                           ON i.source_type = 'transfer_in' AND i.source_id = o.source_id
                         WHERE o.source_type = 'transfer_out' AND o.account_id = a.account_id
                           AND i.account_id = a.pooled_into), 0),
               a.pooled_into
        FROM loyalty.accounts a WHERE a.pooled_into IS NOT NULL
        """
    )
    op.create_table(
        "till_refunds",
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("points > 0", name="ck_till_refunds_points"),
        sa.PrimaryKeyConstraint("source_id"),
        schema=S,
    )
    op.create_index("ix_till_refunds_reservation", "till_refunds", ["reservation_id"], schema=S)
    op.execute(
        """
        INSERT INTO loyalty.till_refunds (source_id, reservation_id, points)
        SELECT e.source_id, r.reservation_id, e.points
        FROM loyalty.ledger_entries e
        LEFT JOIN loyalty.returns rt ON rt.return_id = e.source_id
        JOIN loyalty.till_reservations r
          ON r.purchase_id = coalesce(rt.purchase_id, e.source_id)
         AND r.status IN ('committed', 'confirmed')
        WHERE e.source_type = 'till_refund'
        """
    )


def downgrade() -> None:
    op.drop_index("ix_till_refunds_reservation", "till_refunds", schema=S)
    op.drop_table("till_refunds", schema=S)
    op.drop_index("ux_poolings_open", "account_poolings", schema=S)
    op.drop_table("account_poolings", schema=S)
    op.drop_table("lot_draws", schema=S)
    op.drop_index("ix_point_lots_entry", "point_lots", schema=S)
    # a credit that gave points back may have made several lots: they become one each
    op.execute(
        """
        WITH merged AS (
            SELECT min(lot_id::text)::uuid AS keep, entry_id, sum(points) AS points,
                   sum(remaining) AS remaining, min(earned_at) AS earned_at,
                   max(available_at) AS available_at,
                   min(expires_at) AS expires_at
            FROM loyalty.point_lots WHERE entry_id IS NOT NULL
            GROUP BY entry_id HAVING count(*) > 1
        ), gone AS (
            DELETE FROM loyalty.point_lots l USING merged m
            WHERE l.entry_id = m.entry_id AND l.lot_id <> m.keep
        )
        UPDATE loyalty.point_lots l
        SET points = m.points, remaining = m.remaining, earned_at = m.earned_at,
            available_at = m.available_at,
            expires_at = m.expires_at
        FROM merged m WHERE l.lot_id = m.keep
        """
    )
    op.create_unique_constraint("point_lots_entry_id_key", "point_lots", ["entry_id"], schema=S)
