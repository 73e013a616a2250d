"""What a point change costs in round trips, and the program lock that makes reading once safe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.loyalty import service
from services.loyalty.schemas import EarningRuleIn
from services.loyalty.service.common import locked_program
from shared.db import Sessions, transaction
from shared.testing.records import consumer_record
from tests.loyalty.conftest import RULE, event_consumer, purchase_event


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _engine(sessions: Sessions) -> AsyncEngine:
    bind = sessions.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind


def _locking(sent: list[str]) -> list[str]:
    return [s for s in sent if "earning_rule" in s and "FOR SHARE" in s]


async def _program_locked(sessions: Sessions) -> bool:
    """Whether some other transaction holds the program row (a ladder change would wait)."""
    try:
        async with transaction(sessions) as session:
            await session.execute(
                text("SELECT id FROM loyalty.earning_rule WHERE id = 1 FOR UPDATE NOWAIT")
            )
    except DBAPIError as exc:
        if "could not obtain lock" in str(exc):
            return True
        raise
    return False


async def test_the_program_is_read_once_per_transaction_and_locked_in_each(
    loyalty_sessions: Sessions,
) -> None:
    async with loyalty_sessions() as session:
        with statements(_engine(loyalty_sessions)) as sent:
            async with session.begin():
                first = await locked_program(session)
                again = await locked_program(session)
                assert again is first
                assert len(_locking(sent)) == 1
                assert await _program_locked(loyalty_sessions)
            async with session.begin():  # the same session, a new transaction
                await locked_program(session)
                assert len(_locking(sent)) == 2
                assert await _program_locked(loyalty_sessions)
    assert first.points_per_yuan == RULE.points_per_yuan
    assert [rung.code for rung in first.ladder] == ["standard", "vip", "star", "angel"]


async def test_a_savepoint_rolled_back_past_the_lock_makes_the_program_locked_again(
    loyalty_sessions: Sessions,
) -> None:
    async with loyalty_sessions() as session, session.begin():
        with statements(_engine(loyalty_sessions)) as sent:
            savepoint = await session.begin_nested()
            await locked_program(session)
            await savepoint.rollback()  # PostgreSQL releases row locks taken since the savepoint
            await locked_program(session)
            assert len(_locking(sent)) == 2
            assert await _program_locked(loyalty_sessions)
            async with session.begin_nested():  # inside the lock's transaction: still held
                await locked_program(session)
            assert len(_locking(sent)) == 2


async def test_a_program_change_in_the_same_transaction_is_seen_by_the_next_point_change(
    loyalty_sessions: Sessions,
) -> None:
    async with loyalty_sessions() as session, session.begin():
        before = await locked_program(session)
        await service.set_earning_rule(
            session,
            EarningRuleIn(points_per_yuan=7, tier_multipliers_percent={"standard": 100}),
        )
        after = await locked_program(session)
        await session.rollback()  # the program is shared: leave the seeds rule in place
    assert before.points_per_yuan == RULE.points_per_yuan
    assert (after.points_per_yuan, dict(after.multipliers_percent)) == (7, {"standard": 100})


async def test_a_batch_of_purchases_costs_two_loyalty_statements_per_event(
    loyalty_sessions: Sessions,
) -> None:
    """Per purchase: lock the account, then write purchase, ledger entry and balance at once
    (the outbox's own statements are counted apart); the program once per batch."""
    consumer = event_consumer(loyalty_sessions)
    members = [uuid.uuid4() for _ in range(10)]
    opening = [purchase_event(member, 1_000) for member in members]
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(opening)])
    batch = [purchase_event(members[i % 10], 50_000 + i) for i in range(50)]
    with statements(_engine(loyalty_sessions)) as sent:
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])

    ours = [s for s in sent if "outbox" not in s and "loyalty.inbox" not in s]
    assert len(_locking(ours)) == 1
    assert len([s for s in ours if "loyalty.tiers" in s]) == 1
    assert len(ours) == 2 + 2 * len(batch)
    assert len([s for s in sent if "loyalty.inbox" in s]) == 1
