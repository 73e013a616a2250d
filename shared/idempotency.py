"""Idempotent POSTs: the first answer to a key is stored and replayed for retries.

The key row is inserted in the request's own transaction before the work runs. A
concurrent request with the same key blocks on the unique index until the first one
commits, then replays its answer; if the first one fails and rolls back, the second one
does the work. The same key with a different body is refused with 422.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Conflict, Unprocessable

REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any
    replayed: bool

    def response(self, location: str | None = None) -> JSONResponse:
        headers = {REPLAY_HEADER: "true"} if self.replayed else {}
        if location is not None:
            headers["Location"] = location
        return JSONResponse(self.body, status_code=self.status, headers=headers)


def fingerprint(request: BaseModel | dict[str, Any]) -> str:
    body = request.model_dump(mode="json") if isinstance(request, BaseModel) else request
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


class IdempotencyKeys:
    """The idempotency-key table of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "idempotency_keys",
            metadata,
            Column("scope", String(100), nullable=False),
            Column("key", String(MAX_KEY_LENGTH), nullable=False),
            Column("request_hash", String(64), nullable=False),
            Column("status_code", Integer),
            # json, not jsonb: it keeps the text as stored, so a replay is byte-identical
            Column("response", JSON),
            Column(
                "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            Column("expires_at", DateTime(timezone=True), nullable=False),
            PrimaryKeyConstraint("scope", "key"),
        )

    async def run(
        self,
        session: AsyncSession,
        *,
        scope: str,
        key: str,
        request: BaseModel | dict[str, Any],
        retention: timedelta,
        action: Callable[[], Awaitable[BaseModel]],
        status: int = 201,
    ) -> StoredAnswer:
        if not key or len(key) > MAX_KEY_LENGTH:
            raise Unprocessable(
                f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} characters long"
            )
        request_hash = fingerprint(request)
        claimed = await session.scalar(
            pg_insert(self.table)
            .values(
                scope=scope,
                key=key,
                request_hash=request_hash,
                expires_at=func.now() + retention,
            )
            .on_conflict_do_nothing()
            .returning(self.table.c.key)
        )
        if claimed is None:
            return await self._replay(session, scope, key, request_hash)
        result = await action()
        body = result.model_dump(mode="json")
        await session.execute(
            update(self.table)
            .where(self.table.c.scope == scope, self.table.c.key == key)
            .values(status_code=status, response=body)
        )
        return StoredAnswer(status, body, replayed=False)

    async def _replay(
        self, session: AsyncSession, scope: str, key: str, request_hash: str
    ) -> StoredAnswer:
        row = (
            await session.execute(
                select(
                    self.table.c.request_hash, self.table.c.status_code, self.table.c.response
                ).where(self.table.c.scope == scope, self.table.c.key == key)
            )
        ).one()
        if row.request_hash != request_hash:
            raise Unprocessable(
                f"Idempotency-Key {key!r} was already used with a different request body; "
                "use a new key for a new request",
                title="Idempotency key reused",
            )
        if row.status_code is None:
            raise Conflict(
                f"A request with Idempotency-Key {key!r} is still being processed",
                headers={"Retry-After": "1"},
            )
        return StoredAnswer(row.status_code, row.response, replayed=True)

    async def purge_expired(self, session: AsyncSession) -> int:
        result = await session.execute(
            self.table.delete()
            .where(self.table.c.expires_at < func.now())
            .returning(self.table.c.key)
        )
        return len(result.all())
