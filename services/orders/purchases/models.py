"""Tables of sales: purchases and their lines."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.orders.base import SCHEMA, OrdersTable, timestamp_column, utc_now
from services.orders.purchases.domain import (
    MAX_CATEGORY,
    MAX_RECEIPT_NO,
    MAX_SKU,
    MAX_VOID_REASON,
)

RECEIPT_HOLDER = text("receipt_no IS NOT NULL AND duplicate_of IS NULL")
"""The purchases that hold their receipt number: all with one but the duplicates from
before it was unique per store. (Sales without a receipt number stay out of the index.)"""


class Purchase(OrdersTable, table=True):
    __tablename__ = "purchases"
    __table_args__ = (
        Index("ix_purchases_store_recent", "store_id", "purchased_at", "id"),
        Index(
            "uq_purchases_store_receipt",
            "store_id",
            "receipt_no",
            unique=True,
            postgresql_where=RECEIPT_HOLDER,
        ),
        CheckConstraint("total_fen >= 0", name="ck_purchases_total_fen"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    store_id: uuid.UUID = Field(sa_column=Column(ForeignKey(f"{SCHEMA}.stores.id"), nullable=False))
    member_id: uuid.UUID = Field(index=True)
    total_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    purchased_at: datetime = Field(sa_column=timestamp_column())
    receipt_no: str | None = Field(default=None, max_length=MAX_RECEIPT_NO)
    request_hash: str | None = Field(default=None, sa_column=Column(String(64)))
    """Fingerprint of the sale as posted (without its idempotency key), kept with a receipt
    number so that a repeat of the receipt can be told a retry or a clash."""
    duplicate_of: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey(f"{SCHEMA}.purchases.id"))
    )
    """A receipt recorded again before receipt numbers were unique per store: the purchase
    that holds the receipt. Such a sale stays a sale (it was published); it only no longer
    answers to the receipt number."""
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    tenders: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONB))
    """How the sale was paid: ``[{"kind", "amount_fen", "tendered_fen", "refunded_fen"}]``
    (see :mod:`services.orders.tenders.domain`), kept in the row so that a sale stays one
    insert; NULL for sales recorded before tenders were kept (one unspecified tender)."""
    discounts: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONB))
    """The sale's discounts as sent, with what each took off which line: ``[{"source",
    "amount_fen", "lines": [{"line_no", "discount_fen"}]}]`` (``source``: a coupon's code or
    ``manual``), so a return can tell which coupon a returned line used; NULL for a sale
    without any."""
    voided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    void_reason: str | None = Field(default=None, max_length=MAX_VOID_REASON)


class PurchaseLine(OrdersTable, table=True):
    __tablename__ = "purchase_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_purchase_lines_quantity"),
        CheckConstraint("unit_price_fen >= 0", name="ck_purchase_lines_unit_price"),
        CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= quantity",
            name="ck_purchase_lines_returned_quantity",
        ),
        CheckConstraint(
            "discount_fen >= 0 AND discount_fen <= quantity * unit_price_fen",
            name="ck_purchase_lines_discount",
        ),
    )

    purchase_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.purchases.id"), primary_key=True)
    )
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=MAX_SKU)
    category: str = Field(max_length=MAX_CATEGORY)
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    unit_price_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    returned_quantity: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    discount_fen: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    """What the sale's discounts took off the line; it pays quantity × unit price less it."""
