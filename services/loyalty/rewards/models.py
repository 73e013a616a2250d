"""Tables of the rewards catalog: items, their stock movements, and reward orders.

Only :mod:`services.loyalty.rewards.catalog` (items) and
:mod:`~services.loyalty.rewards.service` (orders) write them, and an item's ``stock`` only
through ``repository.move_stock``; the CHECK ``stock >= 0`` refuses an oversold item
whatever the code above does.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    text,
)
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, amount_column, now, timestamp_column
from services.loyalty.rewards.domain import (
    MAX_CODE,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_REASON,
    ORDER_STATUSES,
    STOCK_KINDS,
)
from shared.tokens import MAX_SUBJECT_LENGTH

_STATUSES = ", ".join(f"'{status}'" for status in ORDER_STATUSES)
_KINDS = ", ".join(f"'{kind}'" for kind in STOCK_KINDS)


class RewardItem(LoyaltyTable, table=True):
    """A gift members order with points (积分兑换礼品): its point price, the units in stock,
    how many one member may hold in orders, when it can be ordered, and whether it is
    offered at all."""

    __tablename__ = "reward_items"
    __table_args__ = (
        CheckConstraint("point_price >= 1", name="ck_reward_items_point_price"),
        CheckConstraint("stock >= 0", name="ck_reward_items_stock"),
        CheckConstraint(
            "per_member_limit IS NULL OR per_member_limit >= 1",
            name="ck_reward_items_per_member_limit",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from",
            name="ck_reward_items_window",
        ),
        Index("ix_reward_items_listed", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(sa_column=Column(String(MAX_CODE), nullable=False, unique=True))
    name: str = Field(max_length=MAX_NAME)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    point_price: int = Field(sa_column=amount_column())
    stock: int = Field(sa_column=amount_column())
    """Units that can still be ordered: what staff put in, less the units of orders not
    cancelled."""
    per_member_limit: int | None = Field(default=None, sa_column=Column(Integer))
    valid_from: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    valid_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    active: bool = Field(sa_column=Column(Boolean, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)


class RewardStockChange(LoyaltyTable, table=True):
    """One movement of an item's stock, appended by ``repository.move_stock`` with the
    stock it left, never edited: the stock at creation, staff changes, and each order's
    units out and a cancelled order's back in (``order_id``, at most one of each kind).
    Their sum is the item's stock (:mod:`services.loyalty.rewards.invariants`)."""

    __tablename__ = "reward_stock_changes"
    __table_args__ = (
        CheckConstraint("change <> 0", name="ck_reward_stock_changes_change"),
        CheckConstraint("stock_after >= 0", name="ck_reward_stock_changes_stock_after"),
        CheckConstraint(f"kind IN ({_KINDS})", name="ck_reward_stock_changes_kind"),
        CheckConstraint(
            "(kind IN ('order', 'cancellation')) = (order_id IS NOT NULL) "
            "AND (kind <> 'order' OR change < 0) AND (kind <> 'cancellation' OR change > 0)",
            name="ck_reward_stock_changes_order",
        ),
        Index("ix_reward_stock_changes_item", "item_id", "seq"),
        Index(
            "ux_reward_stock_changes_order",
            "order_id",
            "kind",
            unique=True,
            postgresql_where=text("order_id IS NOT NULL"),
        ),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(), primary_key=True)
    )
    item_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.reward_items.id"), nullable=False)
    )
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    change: int = Field(sa_column=amount_column())
    stock_after: int = Field(sa_column=amount_column())
    order_id: uuid.UUID | None = None
    reason: str = Field(max_length=MAX_REASON)
    changed_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
    """Who moved it: a staff subject, or whoever placed or cancelled the order."""
    changed_at: datetime = Field(sa_column=timestamp_column())


class RewardOrder(LoyaltyTable, table=True):
    """Units of a reward a member ordered with points.

    ``entry_id`` is the ledger entry that spent ``points`` (source ``('reward_order',
    order_id)``); a cancelled order's ``refund_entry_id`` is the one that gave them back
    (source ``('reward_refund', order_id)``).
    """

    __tablename__ = "reward_orders"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="ck_reward_orders_quantity"),
        CheckConstraint("points >= 1", name="ck_reward_orders_points"),
        CheckConstraint(f"status IN ({_STATUSES})", name="ck_reward_orders_status"),
        CheckConstraint(
            "(status = 'fulfilled') = (fulfilled_at IS NOT NULL)",
            name="ck_reward_orders_fulfilled",
        ),
        CheckConstraint(
            "(status = 'cancelled') = (cancelled_at IS NOT NULL AND refund_entry_id IS NOT NULL)",
            name="ck_reward_orders_cancelled",
        ),
        Index("ix_reward_orders_member", "member_id", "placed_at", "order_id"),
        Index("ix_reward_orders_placed", "placed_at", "order_id"),
        Index("ix_reward_orders_item_member", "item_id", "member_id"),
    )

    order_id: uuid.UUID = Field(primary_key=True)
    item_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.reward_items.id"), nullable=False)
    )
    member_id: uuid.UUID
    account_id: uuid.UUID
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    points: int = Field(sa_column=amount_column())
    status: str = Field(sa_column=Column(String(16), nullable=False))
    entry_id: uuid.UUID
    refund_entry_id: uuid.UUID | None = None
    placed_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
    placed_at: datetime = Field(sa_column=timestamp_column())
    fulfilled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    fulfilled_by: str | None = Field(default=None, max_length=MAX_SUBJECT_LENGTH)
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    cancelled_by: str | None = Field(default=None, max_length=MAX_SUBJECT_LENGTH)
    cancel_reason: str | None = Field(default=None, max_length=MAX_REASON)
