"""rewards catalog: reward items, their stock changes, reward orders; ledger sources

New tables only (no row of the previous revision is touched): ``reward_items`` (point
price, stock, per-member limit, validity window), ``reward_stock_changes`` (what staff put
in or took out) and ``reward_orders``. The ledger's source CHECK admits two more source
types: ``reward_order`` (a spend, points <= -1) and ``reward_refund`` (a cancelled order's
points back, points >= 1).

Revision ID: 8012b0c06302
Revises: fd976243acd6
Create Date: 2026-11-30 04:03:42
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8012b0c06302"
down_revision: str | None = "fd976243acd6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EARLIER = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true WHEN 'expiry' THEN points <= -1 "
    "WHEN 'recovery' THEN points <= -1 WHEN 'transfer_out' THEN points <= -1 "
    "WHEN 'transfer_in' THEN points >= 1 WHEN 'till_hold' THEN points <= -1 "
    "WHEN 'till_release' THEN points >= 1 WHEN 'till_refund' THEN points >= 1 "
    "WHEN 'till_retake' THEN points <= 0 "
)
BEFORE = _EARLIER + "ELSE false END"
AFTER = (
    _EARLIER + "WHEN 'reward_order' THEN points <= -1 "
    "WHEN 'reward_refund' THEN points >= 1 ELSE false END"
)


def _source_check(condition: str) -> None:
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema="loyalty")
    op.create_check_constraint(
        "ck_ledger_entries_source", "ledger_entries", condition, schema="loyalty"
    )


def upgrade() -> None:
    op.create_table(
        "reward_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("point_price", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=False),
        sa.Column("per_member_limit", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "per_member_limit IS NULL OR per_member_limit >= 1",
            name="ck_reward_items_per_member_limit",
        ),
        sa.CheckConstraint("point_price >= 1", name="ck_reward_items_point_price"),
        sa.CheckConstraint("stock >= 0", name="ck_reward_items_stock"),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from",
            name="ck_reward_items_window",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        schema="loyalty",
    )
    op.create_index(
        "ix_reward_items_listed", "reward_items", ["created_at", "id"], schema="loyalty"
    )
    op.create_table(
        "reward_orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("refund_entry_id", sa.Uuid(), nullable=True),
        sa.Column("placed_by", sa.String(length=255), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_by", sa.String(length=255), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=255), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL AND refund_entry_id IS NOT NULL)",
            name="ck_reward_orders_cancelled",
        ),
        sa.CheckConstraint(
            "(status = 'fulfilled') = (fulfilled_at IS NOT NULL)",
            name="ck_reward_orders_fulfilled",
        ),
        sa.CheckConstraint(
            "status IN ('placed', 'fulfilled', 'cancelled')", name="ck_reward_orders_status"
        ),
        sa.CheckConstraint("points >= 1", name="ck_reward_orders_points"),
        sa.CheckConstraint("quantity >= 1", name="ck_reward_orders_quantity"),
        sa.ForeignKeyConstraint(["item_id"], ["loyalty.reward_items.id"]),
        sa.PrimaryKeyConstraint("order_id"),
        schema="loyalty",
    )
    op.create_index(
        "ix_reward_orders_item_member",
        "reward_orders",
        ["item_id", "member_id"],
        schema="loyalty",
    )
    op.create_index(
        "ix_reward_orders_member",
        "reward_orders",
        ["member_id", "placed_at", "order_id"],
        schema="loyalty",
    )
    op.create_index(
        "ix_reward_orders_placed", "reward_orders", ["placed_at", "order_id"], schema="loyalty"
    )
    op.create_table(
        "reward_stock_changes",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("change", sa.BigInteger(), nullable=False),
        sa.Column("stock_after", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("change <> 0", name="ck_reward_stock_changes_change"),
        sa.CheckConstraint("stock_after >= 0", name="ck_reward_stock_changes_stock_after"),
        sa.ForeignKeyConstraint(["item_id"], ["loyalty.reward_items.id"]),
        sa.PrimaryKeyConstraint("seq"),
        schema="loyalty",
    )
    op.create_index(
        "ix_reward_stock_changes_item",
        "reward_stock_changes",
        ["item_id", "seq"],
        schema="loyalty",
    )
    _source_check(AFTER)


def downgrade() -> None:
    # a ledger with reward entries cannot go back: the old CHECK refuses them, and entries
    # are never deleted (the ledger is append-only), so the downgrade fails loudly then
    _source_check(BEFORE)
    op.drop_table("reward_stock_changes", schema="loyalty")
    op.drop_table("reward_orders", schema="loyalty")
    op.drop_table("reward_items", schema="loyalty")
