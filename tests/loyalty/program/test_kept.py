"""The program's reads kept across batches (``shared.kept``): a change committed by anyone
is read by the next transaction that takes the program's lock, one a point change waited
for included, and a change rolled back is never kept."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.loyalty.lots.domain import Policy
from services.loyalty.lots.schemas import PointsPolicyIn
from services.loyalty.lots.service import current_policy, set_policy
from services.loyalty.program.service import locked_for_change, locked_program
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.testing.records import consumer_record
from tests.loyalty.conftest import event_consumer, purchase_event
from tests.stack import Stack, staff_headers


async def _ladder_names(sessions: Sessions) -> dict[str, str]:
    async with transaction(sessions) as session:
        return {rung.code: rung.name for rung in (await locked_program(session)).ladder}


async def _kept_policy(sessions: Sessions) -> Policy:
    async with transaction(sessions) as session:
        await locked_program(session)
        return await current_policy(session)


async def _pending_days(sessions: Sessions, sales: list[CloudEvent]) -> dict[uuid.UUID, timedelta]:
    """How long each buyer's lot stays pending."""
    query = text(
        "SELECT h.member_id, l.available_at - l.earned_at FROM loyalty.point_lots l "
        "JOIN loyalty.account_holders h USING (account_id) WHERE h.member_id = ANY(:members)"
    )
    members = [uuid.UUID(e.data["member_id"]) for e in sales]
    async with sessions() as session:
        rows = await session.execute(query, {"members": members})
        return {row[0]: row[1] for row in rows}


@pytest.fixture
async def vip_name_back(loyalty_sessions: Sessions) -> AsyncIterator[None]:
    yield
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("UPDATE loyalty.tiers SET name = 'VIP贵宾' WHERE code = 'vip'"))


@pytest.fixture
async def policy_back(loyalty_sessions: Sessions) -> AsyncIterator[None]:
    yield
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("DELETE FROM loyalty.points_policy"))


async def test_a_tier_renamed_by_another_process_is_read_by_the_next_transaction(
    stack: Stack, loyalty_sessions: Sessions, vip_name_back: None
) -> None:
    assert (await _ladder_names(loyalty_sessions))["vip"] == "VIP贵宾"  # kept from here on
    other = create_async_engine(stack.database_urls["loyalty"])  # a connection of its own, no lock
    try:
        async with other.begin() as connection:
            await connection.execute(
                text("UPDATE loyalty.tiers SET name = 'VIP' WHERE code = 'vip'")
            )
    finally:
        await other.dispose()

    assert (await _ladder_names(loyalty_sessions))["vip"] == "VIP"


async def test_a_points_policy_set_through_the_api_applies_from_the_next_batch(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, policy_back: None
) -> None:
    consumer = event_consumer(loyalty_sessions)
    before = [purchase_event(uuid.uuid4(), 10_000) for _ in range(2)]
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(before)])
    body = {"return_window_days": 7}
    put = await client.put("/program/points-policy", json=body, headers=staff_headers("marketing"))
    assert put.status_code == 200, put.text
    after = [purchase_event(uuid.uuid4(), 10_000) for _ in range(2)]
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(after)])

    pending = await _pending_days(loyalty_sessions, before + after)
    assert [pending[uuid.UUID(e.data["member_id"])] for e in before] == [timedelta(0)] * 2
    assert [pending[uuid.UUID(e.data["member_id"])] for e in after] == [timedelta(days=7)] * 2


async def test_a_point_change_that_waited_for_a_program_change_reads_the_change(
    loyalty_sessions: Sessions, vip_name_back: None
) -> None:
    """The lock statement's own row carries the token of a change under the lock, so the
    point change granted the lock when the change commits reads it (PostgreSQL reads the
    row it waited for anew; a token in another table would be the one of its snapshot)."""
    assert (await _ladder_names(loyalty_sessions))["vip"] == "VIP贵宾"
    async with transaction(loyalty_sessions) as change:
        await locked_for_change(change)
        await change.execute(text("UPDATE loyalty.tiers SET name = 'VIP' WHERE code = 'vip'"))
        waiting = asyncio.create_task(_ladder_names(loyalty_sessions))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # it waits for the change's lock
    assert (await asyncio.wait_for(waiting, 10))["vip"] == "VIP"


async def test_a_policy_a_transaction_set_and_rolled_back_is_not_kept(
    loyalty_sessions: Sessions, policy_back: None
) -> None:
    committed = await _kept_policy(loyalty_sessions)
    async with loyalty_sessions() as session:
        await session.begin()
        await locked_program(session)  # a point change's transaction, holding the program
        await set_policy(session, PointsPolicyIn(return_window_days=30), by="test")
        assert (await current_policy(session)).return_window_days == 30
        await session.rollback()

    assert await _kept_policy(loyalty_sessions) == committed
