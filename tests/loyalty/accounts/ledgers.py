"""A member's ledger with an earn and a reversal, for tests that check or break it, and a
superuser's transaction to break it in."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.loyalty.points.invariants import LedgerReport, check_ledger_invariants
from shared.db import Sessions
from tests.loyalty.conftest import account_of, handle, purchase_event, purchase_id_of, return_event
from tests.stack import Stack

COPY_ENTRIES = (
    "INSERT INTO loyalty.ledger_entries (id, account_id, source_type, source_id, points, "
    "balance_after, shortfall, created_at) SELECT gen_random_uuid(), account_id, source_type, "
    "source_id, points, balance_after, shortfall, now() FROM loyalty.ledger_entries "
    "WHERE account_id = :account AND source_type = '{source}'"
)
"""Copies the account's entries of one source type (``.format(source=...)``)."""


@dataclass(frozen=True)
class Ledger:
    member_id: uuid.UUID
    account_id: uuid.UUID
    purchase_id: uuid.UUID
    return_id: uuid.UUID

    @property
    def ids(self) -> dict[str, uuid.UUID]:
        """The ids a statement may name, by parameter."""
        return {
            "member": self.member_id,
            "account": self.account_id,
            "purchase": self.purchase_id,
            "return": self.return_id,
        }


async def bought_and_returned(sessions: Sessions) -> Ledger:
    """A member who bought for ¥1,500 (1,500 points) and returned ¥450 of it (450 back)."""
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 150_000)
    returned = return_event(member_id, purchase_id_of(sale), 45_000, 150_000)
    await handle(sessions, sale)
    await handle(sessions, returned)
    account = await account_of(sessions, member_id)
    assert account is not None
    return Ledger(
        member_id, account.account_id, purchase_id_of(sale), uuid.UUID(returned.data["return_id"])
    )


def parameters(statement: str, ledger: Ledger) -> dict[str, uuid.UUID]:
    """The ids ``statement`` names."""
    return {name: value for name, value in ledger.ids.items() if f":{name}" in statement}


async def check(sessions: Sessions, *members: uuid.UUID) -> LedgerReport:
    async with sessions() as session:
        return await check_ledger_invariants(session, members=members)


@contextlib.asynccontextmanager
async def tampering(stack: Stack) -> AsyncIterator[AsyncSession]:
    """A superuser transaction with triggers (the append-only one, foreign keys) off."""
    engine = create_async_engine(stack.admin_url)
    try:
        async with AsyncSession(engine) as session:
            await session.execute(text("SET LOCAL session_replication_role = replica"))
            try:
                yield session
            finally:
                await session.rollback()
    finally:
        await engine.dispose()
