"""The ``audit_log`` table of one service's schema: rows, the admin's query and the purge.

A row is a change (``kind = 'change'``: a staff request that changed data) or a read
(``kind = 'read'``: personal data answered in clear). It names the actor (the token's
subject and role), the time (UTC), the operation, the ids the path named, the member where
one is known, the client's address and the request id; never a request body or a value,
at most the names of the fields a change sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    Uuid,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

Kind = Literal["change", "read"]
PURGE_SETTING = "huiyuan.audit_purge"
"""The transaction-local setting under which the append-only trigger lets old rows go."""
MIN_RETENTION_DAYS = 30
"""No purge removes a row younger than this, whatever the settings (the trigger checks)."""


@dataclass(frozen=True)
class Entry:
    """One audit row to write (``at`` is the transaction's time, set by the database)."""

    kind: Kind
    actor: str
    actor_role: str | None
    operation: str
    method: str
    route: str
    targets: dict[str, str]
    member_id: uuid.UUID | None
    fields: list[str] | None
    client: str | None
    request_id: str | None
    status: int | None


@dataclass(frozen=True)
class Filters:
    """What ``GET /audit`` narrows to; ``since`` inclusive, ``until`` exclusive (UTC)."""

    member_id: uuid.UUID | None = None
    actor: str | None = None
    operation: str | None = None
    kind: Kind | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditLog:
    """The ``audit_log`` table of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        if metadata.schema is None:
            raise ValueError("the audit log needs a metadata bound to the service's schema")
        self.schema: str = metadata.schema
        self.table = Table(
            "audit_log",
            metadata,
            Column("id", BigInteger, Identity(), primary_key=True),
            Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
            Column("kind", String(8), nullable=False),
            Column("actor", String(255), nullable=False),
            Column("actor_role", String(16)),
            Column("operation", String(160), nullable=False),
            Column("method", String(8), nullable=False),
            Column("route", String(255), nullable=False),
            Column("targets", JSONB, nullable=False),
            Column("member_id", Uuid),
            Column("fields", ARRAY(String(64))),
            Column("client", String(64)),
            Column("request_id", String(128)),
            Column("status", SmallInteger),
            Index("ix_audit_log_member", "member_id", "id"),
            Index("ix_audit_log_actor", "actor", "id"),
            Index("ix_audit_log_at", "at"),
        )

    async def add(self, session: AsyncSession, entry: Entry) -> None:
        """Writes ``entry`` in the caller's transaction."""
        await session.execute(
            insert(self.table).values(
                kind=entry.kind,
                actor=entry.actor,
                actor_role=entry.actor_role,
                operation=entry.operation[:160],
                method=entry.method,
                route=entry.route[:255],
                targets=entry.targets,
                member_id=entry.member_id,
                fields=entry.fields,
                client=entry.client,
                request_id=None if entry.request_id is None else entry.request_id[:128],
                status=entry.status,
            )
        )

    async def page(
        self, session: AsyncSession, filters: Filters, *, before: int | None, limit: int
    ) -> Sequence[dict[str, object]]:
        """Rows matching ``filters``, newest first, with ids below ``before``."""
        table = self.table
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        conditions = {
            table.c.member_id: filters.member_id,
            table.c.actor: filters.actor,
            table.c.operation: filters.operation,
            table.c.kind: filters.kind,
        }
        for column, wanted in conditions.items():
            if wanted is not None:
                query = query.where(column == wanted)
        if filters.since is not None:
            query = query.where(table.c.at >= filters.since)
        if filters.until is not None:
            query = query.where(table.c.at < filters.until)
        if before is not None:
            query = query.where(table.c.id < before)
        return [dict(row) for row in (await session.execute(query)).mappings()]

    async def purge(self, session: AsyncSession, older_than: datetime, batch: int) -> int:
        """Deletes up to ``batch`` rows written before ``older_than``; how many it deleted.

        The append-only trigger refuses any delete unless this transaction set
        :data:`PURGE_SETTING`, and even then keeps rows younger than
        :data:`MIN_RETENTION_DAYS`."""
        await session.execute(text(f"SELECT set_config('{PURGE_SETTING}', 'on', true)"))
        oldest = select(self.table.c.id).where(self.table.c.at < older_than).limit(batch)
        result = await session.execute(delete(self.table).where(self.table.c.id.in_(oldest)))
        deleted: int = getattr(result, "rowcount", 0)
        return deleted
