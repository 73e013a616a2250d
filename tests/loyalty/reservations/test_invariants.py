"""The till's invariants hold after every flow, and name what a corrupted row breaks."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text

from services.loyalty.accounts.invariants import Invariant
from services.loyalty.reservations.invariants import till_violations
from shared.db import Sessions, transaction
from tests.loyalty.conftest import funded_member, handle
from tests.loyalty.reservations.conftest import commit, held, release, returned_event, sale_event


async def _violations(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[Invariant, str]]:
    async with sessions() as session:
        found = await till_violations(session, [member_id])
    return [(v.invariant, v.detail) for v in found]


async def test_held_committed_released_and_refunded_points_are_all_accounted_for(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 200_000)  # 2,000 points
    sold = await held(client, member_id, 10_000, points=1_000)
    purchase_id = uuid.uuid4()
    assert (await commit(client, sold, purchase_id, 10_000)).status_code == 200
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 1_000))
    await handle(loyalty_sessions, returned_event(member_id, purchase_id, 10_000, 300, 2_700))
    voided = await held(client, member_id, 10_000, points=200)
    assert (await release(client, voided["reservation_id"])).status_code == 200
    await held(client, member_id, 10_000, points=100)  # still held
    assert await _violations(loyalty_sessions, member_id) == []

    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.till_reservations SET refunded_points = refunded_points + 1 "
                "WHERE reservation_id = :id"
            ),
            {"id": sold["reservation_id"]},
        )
        await session.execute(
            text(
                "UPDATE loyalty.till_reservations SET status = 'held', release_reason = NULL "
                "WHERE reservation_id = :id"
            ),
            {"id": voided["reservation_id"]},
        )
    found = await _violations(loyalty_sessions, member_id)
    assert sorted(invariant for invariant, _ in found) == [
        Invariant.TILL_HOLDS,
        Invariant.TILL_REFUNDS,
    ]
    assert any("records 301 points refunded" in d and "give back 300" in d for _, d in found)
