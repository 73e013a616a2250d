"""The messaging schema: its table base, its outbox, inbox and idempotency keys, and ``emit``.

Capabilities declare their own tables (``contacts.models``, ``notifications.models``) on
:class:`MessagingTable`, so every table lands in the ``messaging`` schema and in one
metadata that Alembic reads (``migrations/env.py`` imports the models).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from shared.audit.log import AuditLog
from shared.db import schema_registry
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.jobs import JobRuns
from shared.outbox import Emitter, Outbox
from shared.segment_copies import SegmentCopies

SCHEMA = "messaging"


class MessagingTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def timestamp() -> Any:
    """A ``timestamptz NOT NULL`` column that defaults to now (UTC)."""
    return Field(default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False))


outbox = Outbox(MessagingTable.metadata)
audit = AuditLog(MessagingTable.metadata)
emit = Emitter(outbox, source="/huiyuan/messaging")
inbox = Inbox(MessagingTable.metadata)
idempotency = IdempotencyKeys(MessagingTable.metadata)
job_runs = JobRuns(MessagingTable.metadata)
segment_copies = SegmentCopies(MessagingTable.metadata)
"""Analytics' saved segments' members, for bulk sends to a segment."""
