"""The program lock that makes reading the program once per transaction safe."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.loyalty.program.schemas import EarningRuleIn
from services.loyalty.program.service import locked_program
from services.loyalty.rules.service import set_earning_rule
from shared.db import Sessions, transaction
from tests.loyalty.statements import engine_of, program_locks, statements


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
        with statements(engine_of(loyalty_sessions)) as sent:
            async with session.begin():
                first = await locked_program(session)
                again = await locked_program(session)
                assert again is first
                assert len(program_locks(sent)) == 1
                assert await _program_locked(loyalty_sessions)
            async with session.begin():  # the same session, a new transaction
                await locked_program(session)
                assert len(program_locks(sent)) == 2
                assert await _program_locked(loyalty_sessions)
    assert [rung.code for rung in first.ladder] == ["standard", "vip", "star", "angel"]
    assert first.base_tier.code == "standard"


async def test_a_savepoint_rolled_back_past_the_lock_makes_the_program_locked_again(
    loyalty_sessions: Sessions,
) -> None:
    async with loyalty_sessions() as session, session.begin():
        with statements(engine_of(loyalty_sessions)) as sent:
            savepoint = await session.begin_nested()
            await locked_program(session)
            await savepoint.rollback()  # PostgreSQL releases row locks taken since the savepoint
            await locked_program(session)
            assert len(program_locks(sent)) == 2
            assert await _program_locked(loyalty_sessions)
            async with session.begin_nested():  # inside the lock's transaction: still held
                await locked_program(session)
            assert len(program_locks(sent)) == 2


async def test_a_program_change_in_the_same_transaction_is_seen_by_the_next_point_change(
    loyalty_sessions: Sessions,
) -> None:
    async with loyalty_sessions() as session, session.begin():
        with statements(engine_of(loyalty_sessions)) as sent:
            before = await locked_program(session)
            changed = await set_earning_rule(
                session,
                EarningRuleIn(points_per_yuan=7, tier_multipliers_percent={"standard": 100}),
            )
            after = await locked_program(session)
            assert after is not before  # read again after the change
            assert len(program_locks(sent)) == 2  # FOR SHARE again after the change
        await session.rollback()  # the program is shared: leave the seeds rule in place
    assert (changed.points_per_yuan, changed.tier_multipliers_percent) == (7, {"standard": 100})
