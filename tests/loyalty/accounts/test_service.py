"""The points kernel: the one function that moves points, and the accounts it moves them on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.domain import SourceType
from services.loyalty.accounts.errors import BalanceLimitReached, InsufficientPoints
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.program.domain import Rung
from services.loyalty.program.service import locked_program
from shared.db import Sessions, transaction
from shared.inputs import MAX_BALANCE
from tests.loyalty.conftest import account_of, envelopes, ledger_of, lots_of
from tests.loyalty.statements import engine_of

GOLD = Rung("gold", "金卡", 0)


async def _member_with_account(sessions: Sessions) -> tuple[uuid.UUID, uuid.UUID]:
    member_id = uuid.uuid4()
    async with transaction(sessions) as session:
        program = await locked_program(session)
        account = await accounts.open_account(session, member_id, program.base_tier)
    return member_id, account.account_id


async def _move(sessions: Sessions, member_id: uuid.UUID, movement: Movement) -> accounts.Moved:
    async with transaction(sessions) as session:
        account = await accounts.locked_account_of(session, member_id)
        assert account is not None
        moved = await accounts.move_points(session, account, movement)
    assert moved is not None
    return moved


def _adjustment(points: int, expires_in_days: int | None = None) -> Movement:
    expires = None
    if expires_in_days is not None:
        expires = datetime.now(UTC) + timedelta(days=expires_in_days)
    return Movement(Source("adjustment", uuid.uuid4()), points, expires_at=expires)


async def test_opening_an_account_makes_the_member_its_holder_once(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    async with transaction(loyalty_sessions) as session:
        opened = await accounts.open_account(session, member_id, GOLD)
        again = await accounts.open_account(session, member_id, GOLD)
    assert again == opened == accounts.Account(opened.account_id, 0)
    held = await account_of(loyalty_sessions, member_id)
    assert held is None  # no tier standing: the kernel knows nothing of tiers
    [event] = await envelopes(loyalty_sessions, member_id, "loyalty.account.opened")
    assert event["subject"] == str(opened.account_id)
    assert event["partitionkey"] == str(member_id)
    assert (event["data"]["tier_code"], event["data"]["tier_name"]) == ("gold", "金卡")
    async with loyalty_sessions() as session:
        read = await accounts.account_of(session, member_id)
    assert read == opened


async def test_a_credit_makes_a_lot_and_a_debit_takes_the_nearest_expiry_first(
    loyalty_sessions: Sessions,
) -> None:
    member_id, _ = await _member_with_account(loyalty_sessions)
    await _move(loyalty_sessions, member_id, _adjustment(100))
    await _move(loyalty_sessions, member_id, _adjustment(50, expires_in_days=300))
    await _move(loyalty_sessions, member_id, _adjustment(30, expires_in_days=30))
    moved = await _move(loyalty_sessions, member_id, _adjustment(-60))
    assert moved.balance == 120
    assert await lots_of(loyalty_sessions, member_id) == [(100, 100), (50, 20), (30, 0)]
    entries = await ledger_of(loyalty_sessions, member_id)
    assert [(e.points, e.balance_after) for e in entries] == [
        (100, 100),
        (50, 150),
        (30, 180),
        (-60, 120),
    ]
    assert entries[-1].id == moved.entry_id


async def test_a_debit_past_the_balance_is_refused_and_writes_nothing(
    loyalty_sessions: Sessions,
) -> None:
    member_id, _ = await _member_with_account(loyalty_sessions)
    await _move(loyalty_sessions, member_id, _adjustment(100))
    with pytest.raises(InsufficientPoints, match="balance 100, requested 101"):
        await _move(loyalty_sessions, member_id, _adjustment(-101))
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [100]
    assert await lots_of(loyalty_sessions, member_id) == [(100, 100)]


async def test_a_credit_past_the_balance_limit_is_refused_and_writes_nothing(
    loyalty_sessions: Sessions,
) -> None:
    member_id, _ = await _member_with_account(loyalty_sessions)
    await _move(loyalty_sessions, member_id, _adjustment(MAX_BALANCE - 1))
    with pytest.raises(BalanceLimitReached):
        await _move(loyalty_sessions, member_id, _adjustment(2))
    moved = await _move(loyalty_sessions, member_id, _adjustment(1))
    assert moved.balance == MAX_BALANCE
    assert len(await ledger_of(loyalty_sessions, member_id)) == 2


async def test_a_source_moves_points_once(loyalty_sessions: Sessions) -> None:
    member_id, account_id = await _member_with_account(loyalty_sessions)
    movement = _adjustment(40)
    await _move(loyalty_sessions, member_id, movement)
    async with transaction(loyalty_sessions) as session:
        account = await accounts.locked_account(session, account_id)
        assert await accounts.move_points(session, account, movement) is None
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [40]
    assert await lots_of(loyalty_sessions, member_id) == [(40, 40)]
    async with loyalty_sessions() as session:
        assert (await accounts.account_of(session, member_id)).balance == 40


async def test_points_of_the_wrong_sign_for_their_source_are_a_bug(
    loyalty_sessions: Sessions,
) -> None:
    member_id, account_id = await _member_with_account(loyalty_sessions)
    async with transaction(loyalty_sessions) as session:
        account = await accounts.locked_account(session, account_id)
        wrong: list[tuple[SourceType, int]] = [("redemption", 5), ("purchase", -5), ("return", 5)]
        for source, points in wrong:
            with pytest.raises(ValueError, match=f"{source} cannot move {points} points"):
                await accounts.move_points(
                    session, account, Movement(Source(source, uuid.uuid4()), points)
                )
    assert await ledger_of(loyalty_sessions, member_id) == []


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


async def _generic_plan(sessions: Sessions, statement: str, parameters: Sequence[Any]) -> str:
    """The plan a prepared statement gets once PostgreSQL plans it for any parameters.

    Sequential scans are priced out: on a test's few rows the planner may rightly prefer one,
    and the question here is whether the index can serve the statement at all."""
    async with sessions() as session:
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        await driver.execute(f"PREPARE probe AS {statement}")
        arguments = ", ".join(map(_literal, parameters))
        try:
            plan = await driver.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE probe({arguments})")
        finally:
            await driver.execute("DEALLOCATE probe; RESET plan_cache_mode; RESET enable_seqscan")
    return str(plan)


async def test_the_owner_and_open_lot_lookups_use_their_partial_indexes(
    loyalty_sessions: Sessions,
) -> None:
    """Bound, their conditions (``role = 'owner'``, ``remaining > 0``) would not match the
    partial indexes in a generic plan, and every earn would scan the holders."""
    member_id, _ = await _member_with_account(loyalty_sessions)
    await _move(loyalty_sessions, member_id, _adjustment(10))
    sent: list[tuple[str, Sequence[Any]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    engine = engine_of(loyalty_sessions)
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await _move(loyalty_sessions, member_id, _adjustment(-5))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    lookup = next(s for s in sent if "account_holders" in s[0])
    lots = next(s for s in sent if "FROM loyalty.point_lots" in s[0])
    assert "ux_account_holders_one_owned_account" in await _generic_plan(loyalty_sessions, *lookup)
    assert "ix_point_lots_open" in await _generic_plan(loyalty_sessions, *lots)
