"""reward stock movements: every change of an item's stock, orders and cancellations too

``reward_stock_changes`` held what staff put in or took out; an order's units and a
cancellation's were only implied by ``reward_orders``. Each row now says its ``kind``
(``initial``, ``adjustment``, ``order``, ``cancellation``) and, for an order's, its
``order_id`` (one movement of each kind per order, by a unique index). The upgrade writes
the movements of the orders placed and cancelled so far and renumbers all rows in the
order they happened, each ``stock_after`` the running sum: an item's history reads
newest first by ``seq``. The downgrade drops the orders' movements and the columns.

Revision ID: 2dfe1f8e358f
Revises: 7d4a8c6e7fd5
Create Date: 2026-11-30 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2dfe1f8e358f"
down_revision: str | None = "7d4a8c6e7fd5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MOVEMENTS = """
CREATE TEMPORARY TABLE stock_movements AS
SELECT c.item_id, c.change, c.reason, c.changed_by, c.changed_at,
       CASE WHEN c.reason = 'stock at creation' AND c.changed_at = i.created_at
            THEN 'initial' ELSE 'adjustment' END AS kind,
       NULL::uuid AS order_id, c.seq AS earlier_seq
  FROM loyalty.reward_stock_changes c JOIN loyalty.reward_items i ON i.id = c.item_id
UNION ALL
SELECT item_id, -quantity, 'reward order', placed_by, placed_at, 'order', order_id, NULL
  FROM loyalty.reward_orders
UNION ALL
SELECT item_id, quantity, coalesce(cancel_reason, 'order cancelled'), cancelled_by,
       cancelled_at, 'cancellation', order_id, NULL
  FROM loyalty.reward_orders WHERE status = 'cancelled'
"""
_IN_ORDER = (
    "changed_at, CASE kind WHEN 'initial' THEN 0 WHEN 'adjustment' THEN 1 "
    "WHEN 'order' THEN 2 ELSE 3 END, earlier_seq, order_id"
)
_REWRITE = f"""
INSERT INTO loyalty.reward_stock_changes
       (item_id, kind, change, stock_after, order_id, reason, changed_by, changed_at)
SELECT item_id, kind, change,
       sum(change) OVER (PARTITION BY item_id ORDER BY {_IN_ORDER}
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
       order_id, reason, changed_by, changed_at
  FROM stock_movements ORDER BY {_IN_ORDER}
"""


def upgrade() -> None:
    op.add_column(
        "reward_stock_changes",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="adjustment"),
        schema="loyalty",
    )
    op.alter_column("reward_stock_changes", "kind", server_default=None, schema="loyalty")
    op.add_column(
        "reward_stock_changes", sa.Column("order_id", sa.Uuid(), nullable=True), schema="loyalty"
    )
    op.execute(_MOVEMENTS)
    op.execute("DELETE FROM loyalty.reward_stock_changes")
    op.execute(_REWRITE)
    op.execute("DROP TABLE stock_movements")
    op.create_check_constraint(
        "ck_reward_stock_changes_kind",
        "reward_stock_changes",
        "kind IN ('initial', 'adjustment', 'order', 'cancellation')",
        schema="loyalty",
    )
    op.create_check_constraint(
        "ck_reward_stock_changes_order",
        "reward_stock_changes",
        "(kind IN ('order', 'cancellation')) = (order_id IS NOT NULL) "
        "AND (kind <> 'order' OR change < 0) AND (kind <> 'cancellation' OR change > 0)",
        schema="loyalty",
    )
    op.create_index(
        "ux_reward_stock_changes_order",
        "reward_stock_changes",
        ["order_id", "kind"],
        unique=True,
        schema="loyalty",
        postgresql_where=sa.text("order_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_reward_stock_changes_order", "reward_stock_changes", schema="loyalty")
    op.drop_constraint("ck_reward_stock_changes_order", "reward_stock_changes", schema="loyalty")
    op.drop_constraint("ck_reward_stock_changes_kind", "reward_stock_changes", schema="loyalty")
    op.execute("DELETE FROM loyalty.reward_stock_changes WHERE order_id IS NOT NULL")
    op.drop_column("reward_stock_changes", "order_id", schema="loyalty")
    op.drop_column("reward_stock_changes", "kind", schema="loyalty")
