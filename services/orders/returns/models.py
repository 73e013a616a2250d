"""Tables of returns: what came back of a purchase, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.orders.base import SCHEMA, OrdersTable, timestamp_column, utc_now


class PurchaseReturn(OrdersTable, table=True):
    __tablename__ = "purchase_returns"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    purchase_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.purchases.id"), nullable=False, index=True)
    )
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    returned_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    refunds: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONB))
    """What the return refunded of each tender: ``[{"kind", "amount_fen", "paid_out"}]``;
    NULL for returns recorded before tenders were kept."""


class ReturnLine(OrdersTable, table=True):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_return_lines_quantity"),)

    return_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.purchase_returns.id"), primary_key=True)
    )
    line_no: int = Field(primary_key=True)
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
