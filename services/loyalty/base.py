"""The loyalty schema: its table base, its outbox, inbox and idempotency tables, ``emit``.

Capabilities keep their own tables in their ``models.py``; the column helpers here are the
conventions all of them share (amounts are ``bigint``, times ``timestamptz``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index
from sqlmodel import SQLModel

from shared.audit.log import AuditLog
from shared.db import schema_registry
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.jobs import JobRuns
from shared.outbox import Emitter, Outbox
from shared.product_categories import ProductCategories
from shared.segment_copies import SegmentCopies

SCHEMA = "loyalty"


class LoyaltyTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


def now() -> datetime:
    return datetime.now(UTC)


def timestamp_column() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


def amount_column() -> Column[int]:
    """Points or fen: ``bigint``, never NULL."""
    return Column(BigInteger, nullable=False)


outbox = Outbox(LoyaltyTable.metadata)
audit = AuditLog(LoyaltyTable.metadata)
emit = Emitter(outbox, source="/huiyuan/loyalty")
inbox = Inbox(LoyaltyTable.metadata)
idempotency = IdempotencyKeys(LoyaltyTable.metadata)
product_categories = ProductCategories(LoyaltyTable.metadata)
# loyalty reads the ancestors of a sale's categories on every earn and coupon validation
Index("ix_product_categories_category", product_categories.table.c.category)
job_runs = JobRuns(LoyaltyTable.metadata)
segment_copies = SegmentCopies(LoyaltyTable.metadata)
"""Analytics' saved segments' members, for audiences by segment."""
