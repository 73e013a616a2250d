"""Tables of the orders schema: stores, the member directory, purchases and returns."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlmodel import Field, SQLModel

from shared.db import schema_registry
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.outbox import Emitter, Outbox

SCHEMA = "orders"


class OrdersTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


class Store(OrdersTable, table=True):
    __tablename__ = "stores"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    api_key_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_column=_timestamp())


class Member(OrdersTable, table=True):
    """Orders' own copy of who is a member, fed by ``customer.member.registered``."""

    __tablename__ = "members"

    member_id: uuid.UUID = Field(primary_key=True)
    card_number: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    phone_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))


class Purchase(OrdersTable, table=True):
    __tablename__ = "purchases"
    __table_args__ = (
        Index("ix_purchases_store_recent", "store_id", "purchased_at", "id"),
        CheckConstraint("total_fen >= 0", name="ck_purchases_total_fen"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    store_id: uuid.UUID = Field(sa_column=Column(ForeignKey(f"{SCHEMA}.stores.id"), nullable=False))
    member_id: uuid.UUID = Field(index=True)
    total_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    purchased_at: datetime = Field(sa_column=_timestamp())
    receipt_no: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=_now, sa_column=_timestamp())


class PurchaseLine(OrdersTable, table=True):
    __tablename__ = "purchase_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_purchase_lines_quantity"),
        CheckConstraint("unit_price_fen >= 0", name="ck_purchase_lines_unit_price"),
        CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= quantity",
            name="ck_purchase_lines_returned_quantity",
        ),
    )

    purchase_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.purchases.id"), primary_key=True)
    )
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    category: str = Field(max_length=64)
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    unit_price_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    returned_quantity: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )


class PurchaseReturn(OrdersTable, table=True):
    __tablename__ = "purchase_returns"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    purchase_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.purchases.id"), nullable=False, index=True)
    )
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    returned_at: datetime = Field(default_factory=_now, sa_column=_timestamp())


class ReturnLine(OrdersTable, table=True):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_return_lines_quantity"),)

    return_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.purchase_returns.id"), primary_key=True)
    )
    line_no: int = Field(primary_key=True)
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))


outbox = Outbox(OrdersTable.metadata)
emit = Emitter(outbox, source="/huiyuan/orders")
inbox = Inbox(OrdersTable.metadata)
idempotency = IdempotencyKeys(OrdersTable.metadata)
