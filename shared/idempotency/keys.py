"""Idempotent POSTs: the first successful answer to a key is stored and replayed.

The contract is in the package docstring (``shared.idempotency``).

How: the request first looks for a stored answer, which needs no lock, so any number of
retries of a finished request replay side by side. Without one, the same statement takes
a transaction-scoped advisory lock on a 64-bit hash of (schema, scope, key) and, if another
transaction holds it, answers 409 rather than wait. Holding it, it looks again (the
holder before it may just have committed), then does the work and inserts the answer in
the request's own transaction. The lock goes when that transaction ends: after a commit
the next request finds the answer, after a rollback it finds nothing and does the work.
The primary key (scope, key) still stops a second answer should two writers ever get
past the lock.

The second look needs READ COMMITTED (every session here uses it) and a statement of its
own after the one taking the lock, so that its snapshot, taken when it starts, includes
whatever committed before the lock was granted. The lock is re-entrant within a
transaction; a sale rolled back to its savepoint releases the lock and leaves no row, like
a failed request.

A batch (``claim_many``, ``store_many``) does the same for all its keys at once: one
statement returns the stored answers and takes the locks of the keys without one, one more
looks again for the keys it locked, and one stores every new answer. A batch decides all
its refusals before it writes, so it needs no savepoints; the locks of keys whose sales it
refused are held until it commits (a retry meanwhile gets 409), and it leaves no row for
them. A key that comes twice in one batch is the batch's to handle: the later sale
replays the earlier one's answer, as a retry would.

The answer is sent only after the transaction commits (``RequestSession``), so a client
never holds an answer that the database could still lose.

The work itself may find that the request repeats one recorded earlier under another key
(a till that makes up a new key per retry, caught by a business key such as a receipt
number): it then returns :class:`Replayed` with that earlier answer, which is stored under
the new key and answered as a replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    Interval,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from shared.db import prepared_fetch
from shared.idempotency.answers import (
    Outcome,
    StoredAnswer,
    _Stored,
    answer_of,
    stored_answer,
)
from shared.idempotency.errors import (
    MAX_KEY_LENGTH,
    RETRY_AFTER_SECONDS,
    RequestInProgress,
    check_key,
)
from shared.idempotency.identity import RequestIdentity


@dataclass(frozen=True)
class Claim:
    """One key of a batch: its stored answer, or whether this transaction holds its lock."""

    key: str
    stored: _Stored | None
    locked: bool

    def answer(self, request: RequestIdentity) -> StoredAnswer | None:
        """The stored answer to replay, or ``None`` when the work is this transaction's.

        Raises :class:`IdempotencyKeyReused` (422) for another body and
        :class:`RequestInProgress` (409) while another transaction works on the key, as
        :meth:`IdempotencyKeys.run` does.
        """
        if self.stored is not None:
            return stored_answer(self.stored, self.key, request)
        if not self.locked:
            raise _in_progress(self.key)
        return None


def _stored(row: asyncpg.Record) -> _Stored:
    """A stored answer read by asyncpg (``json`` comes parsed)."""
    return _Stored(row["request_hash"], row["status_code"], row["response"])


def _in_progress(key: str) -> RequestInProgress:
    return RequestInProgress(
        f"A request with Idempotency-Key {key!r} is still being processed; retry in "
        f"{RETRY_AFTER_SECONDS} s with the same key and body to get its answer",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class IdempotencyKeys:
    """The idempotency-key table of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "idempotency_keys",
            metadata,
            Column("scope", String(100), nullable=False),
            Column("key", String(MAX_KEY_LENGTH), nullable=False),
            Column("request_hash", String(64), nullable=False),
            # always set: the row is written with the answer, never before it
            Column("status_code", Integer),
            # json, not jsonb: it keeps the text as stored, so a replay is byte-identical
            Column("response", JSON),
            Column(
                "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            Column("expires_at", DateTime(timezone=True), nullable=False),
            PrimaryKeyConstraint("scope", "key"),
        )
        # the single request's statements, sent by asyncpg as prepared statements
        # (shared.db.prepared_fetch): a sale is one of them
        name = self.table.fullname
        answer = "request_hash, status_code, response"
        self._stored_or_lock_sql = (
            f"SELECT k.request_hash, k.status_code, k.response, "
            # CASE evaluates the lock only when no answer is stored
            f"CASE WHEN k.scope IS NULL THEN pg_try_advisory_xact_lock($3) END AS locked "
            f"FROM (SELECT 1) AS nothing LEFT JOIN {name} AS k ON k.scope = $1 AND k.key = $2"
        )
        self._stored_sql = f"SELECT {answer} FROM {name} WHERE scope = $1 AND key = $2"
        self._store_sql = (
            f"INSERT INTO {name} (scope, key, {answer}, expires_at) "
            "VALUES ($1, $2, $3, $4, $5::json, now() + $6::interval)"
        )
        # built once: the same statements for any number of keys
        self._claim_many = self._claim_many_statement()
        self._stored_many = self._stored_many_statement()
        self._store_many = self._store_many_statement()

    async def run(
        self,
        session: AsyncSession,
        *,
        scope: str,
        key: str,
        request: RequestIdentity,
        retention: timedelta,
        action: Callable[[], Awaitable[Outcome]],
        status: int = 201,
    ) -> StoredAnswer:
        """The stored answer to ``key``, or ``action``'s, stored in ``session``'s transaction.

        Raises :class:`InvalidIdempotencyKey` (422) for a malformed key,
        :class:`IdempotencyKeyReused` (422) for a key used with another body and
        :class:`RequestInProgress` (409, ``Retry-After``) while another transaction works
        on the key.
        """
        check_key(key)
        stored, locked = await self._stored_or_lock(session, scope, key, request)
        if stored is not None:
            return stored
        if not locked:
            raise _in_progress(key)
        # a statement of its own: it sees what committed before the lock was granted
        rows = await prepared_fetch(session, self._stored_sql, scope, key)
        if rows:
            return stored_answer(_stored(rows[0]), key, request)
        answer = answer_of(await action(), status)
        await prepared_fetch(
            session,
            self._store_sql,
            scope,
            key,
            request.hash,
            status,
            orjson.dumps(answer.body).decode(),
            retention,
        )
        return answer

    async def claim_many(
        self, session: AsyncSession, *, scope: str, keys: Sequence[str]
    ) -> dict[str, Claim]:
        """:meth:`run`'s look-and-lock for many keys: two round trips however many keys."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = (
            await session.execute(
                self._claim_many,
                {
                    "scope": scope,
                    "keys": wanted,
                    "locks": [self._lock(scope, key) for key in wanted],
                },
            )
        ).all()
        claims = {
            row.key: Claim(
                row.key,
                None
                if row.request_hash is None
                else _Stored(row.request_hash, row.status_code, row.response),
                bool(row.locked),
            )
            for row in rows
        }
        locked = [key for key, claim in claims.items() if claim.locked]
        if locked:
            # a statement of its own: it sees what committed before the locks were granted
            for row in await session.execute(self._stored_many, {"scope": scope, "keys": locked}):
                stored = _Stored(row.request_hash, row.status_code, row.response)
                claims[row.key] = Claim(row.key, stored, locked=False)
        return claims

    async def store_many(
        self,
        session: AsyncSession,
        *,
        scope: str,
        answers: Sequence[tuple[str, str, dict[str, Any]]],
        retention: timedelta,
        status: int = 201,
    ) -> None:
        """Stores ``(key, request hash, body)`` answers of keys claimed by this transaction
        (the hash is :attr:`RequestIdentity.hash`)."""
        if not answers:
            return
        await session.execute(
            self._store_many,
            {
                "scope": scope,
                "status": status,
                "retention": retention,
                "keys": [key for key, _, _ in answers],
                "hashes": [request_hash for _, request_hash, _ in answers],
                "responses": [orjson.dumps(body).decode() for _, _, body in answers],
            },
        )

    def _claim_many_statement(self) -> Executable:
        table = self.table
        wanted = (
            func.unnest(
                bindparam("keys", type_=ARRAY(Text)), bindparam("locks", type_=ARRAY(BigInteger))
            )
            .table_valued(column("key", Text), column("lock", BigInteger))
            .render_derived("wanted")
        )
        return select(
            wanted.c.key,
            table.c.request_hash,
            table.c.status_code,
            table.c.response,
            # as in _stored_or_lock: the lock only for a key without a stored answer
            case((table.c.scope.is_(None), func.pg_try_advisory_xact_lock(wanted.c.lock))).label(
                "locked"
            ),
        ).select_from(
            wanted.outerjoin(
                table, and_(table.c.scope == bindparam("scope"), table.c.key == wanted.c.key)
            )
        )

    def _stored_many_statement(self) -> Executable:
        table = self.table
        return select(
            table.c.key, table.c.request_hash, table.c.status_code, table.c.response
        ).where(
            table.c.scope == bindparam("scope"),
            table.c.key == any_(bindparam("keys", type_=ARRAY(Text))),
        )

    def _store_many_statement(self) -> Executable:
        rows = (
            func.unnest(
                bindparam("keys", type_=ARRAY(Text)),
                bindparam("hashes", type_=ARRAY(Text)),
                bindparam("responses", type_=ARRAY(Text)),
            )
            .table_valued(
                column("key", Text), column("request_hash", Text), column("response", Text)
            )
            .render_derived("answers")
        )
        return insert(self.table).from_select(
            ["scope", "key", "request_hash", "status_code", "response", "expires_at"],
            select(
                bindparam("scope", type_=Text),
                rows.c.key,
                rows.c.request_hash,
                bindparam("status", type_=Integer),
                cast(rows.c.response, JSON),
                func.now() + bindparam("retention", type_=Interval),
            ),
        )

    def _lock(self, scope: str, key: str) -> int:
        """A 64-bit advisory-lock id for the key; the table name keeps services apart."""
        name = orjson.dumps([self.table.fullname, scope, key])
        return int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)

    async def _stored_or_lock(
        self, session: AsyncSession, scope: str, key: str, request: RequestIdentity
    ) -> tuple[StoredAnswer | None, bool]:
        """The stored answer, or else whether the key's lock was taken: one round trip."""
        [row] = await prepared_fetch(
            session, self._stored_or_lock_sql, scope, key, self._lock(scope, key)
        )  # the outer join's one row
        if row["request_hash"] is None:
            return None, bool(row["locked"])
        return stored_answer(_stored(row), key, request), False

    async def purge_expired(self, session: AsyncSession) -> int:
        result = await session.execute(
            self.table.delete()
            .where(self.table.c.expires_at < func.now())
            .returning(self.table.c.key)
        )
        return len(result.all())
