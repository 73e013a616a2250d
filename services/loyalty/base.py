"""The loyalty schema: its table base, its outbox, inbox and idempotency tables, ``emit``.

Capabilities keep their own tables in their ``models.py``; the column helpers here are the
conventions all of them share (amounts are ``bigint``, times ``timestamptz``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index
from sqlmodel import SQLModel

from shared.audit.log import AuditLog
from shared.db import AsyncSession, schema_registry
from shared.events import CloudEvent, EventPayload
from shared.idempotency import IdempotencyKeys
from shared.inbox import BatchEnd, Inbox
from shared.jobs import JobRuns
from shared.outbox import Emitter, Outbox
from shared.product_categories import ProductCategories
from shared.segment_copies import SegmentCopies

SCHEMA = "loyalty"


class LoyaltyTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


def now() -> datetime:
    return datetime.now(UTC)


def transaction_kept(session: AsyncSession, key: str) -> dict[Any, Any]:
    """A dict in ``session.info`` under ``key`` for the session's current transaction (its
    savepoints included): empty again in the next transaction, so what one transaction read
    under its locks is never taken for another's."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(key)
    if kept is None or kept[0] is not transaction:
        kept = session.info[key] = (transaction, {})
    held: dict[Any, Any] = kept[1]
    return held


def timestamp_column() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


def amount_column() -> Column[int]:
    """Points or fen: ``bigint``, never NULL."""
    return Column(BigInteger, nullable=False)


outbox = Outbox(LoyaltyTable.metadata)
audit = AuditLog(LoyaltyTable.metadata)


class _Emitter(Emitter):
    """``await emit(session, *payloads)``; inside a consumer's batch (:meth:`gather`) the
    events wait, in the order emitted, for one multi-row insert at the batch's end instead
    of one insert each. Inside a savepoint they are written at once, after those waiting,
    so that rolling the savepoint back takes them back too."""

    async def __call__(self, session: AsyncSession, *payloads: EventPayload) -> None:
        gathered: list[CloudEvent] | None = session.info.get(_GATHERED)
        if gathered is None:
            await super().__call__(session, *payloads)
            return
        gathered.extend(self.envelope(payload) for payload in payloads)
        if session.in_nested_transaction():
            await self.outbox.add(session, *gathered)
            gathered.clear()

    def gather(self, session: AsyncSession) -> BatchEnd:
        """Gathers what the transaction emits from now on; the end it returns writes it."""
        gathered: list[CloudEvent] = session.info.setdefault(_GATHERED, [])

        async def write() -> None:
            del session.info[_GATHERED]
            await self.outbox.add(session, *gathered)

        return write


_GATHERED = "loyalty.emit.gathered"

emit = _Emitter(outbox, source="/huiyuan/loyalty")
inbox = Inbox(LoyaltyTable.metadata)
idempotency = IdempotencyKeys(LoyaltyTable.metadata)
product_categories = ProductCategories(LoyaltyTable.metadata)
# loyalty reads the ancestors of a sale's categories on every earn and coupon validation
Index("ix_product_categories_category", product_categories.table.c.category)
job_runs = JobRuns(LoyaltyTable.metadata)
segment_copies = SegmentCopies(LoyaltyTable.metadata)
"""Analytics' saved segments' members, for audiences by segment."""
