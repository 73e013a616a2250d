"""The orders schema, its table base, and the tables every service keeps (outbox, inbox,
idempotency keys), with the ``emit`` helper events leave through."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime
from sqlmodel import SQLModel

from shared.audit.log import AuditLog
from shared.db import schema_registry
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.outbox import Emitter, Outbox

SCHEMA = "orders"


class OrdersTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp_column() -> Column[datetime]:
    """A required ``timestamptz`` column."""
    return Column(DateTime(timezone=True), nullable=False)


outbox = Outbox(OrdersTable.metadata)
audit = AuditLog(OrdersTable.metadata)
emit = Emitter(outbox, source="/huiyuan/orders")
inbox = Inbox(OrdersTable.metadata)
idempotency = IdempotencyKeys(OrdersTable.metadata)
