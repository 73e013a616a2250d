"""The till's audit follows pooling: a member who joins or leaves a household between a
hold and its release or refund has the credit where their points were when it was made,
and the audit says so; a credit on the wrong side of a joining is found."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text

from services.loyalty.accounts.invariants import Invariant
from services.loyalty.reservations.invariants import till_violations
from shared.db import Sessions
from tests.loyalty.accounts.ledgers import tampering
from tests.loyalty.conftest import funded_member, handle, ledger_sound
from tests.loyalty.households.conftest import entries, household, left, pooled
from tests.loyalty.reservations.conftest import (
    commit,
    held,
    release,
    returned_event,
    sale_event,
    voided_event,
)
from tests.stack import Stack


async def test_a_release_after_joining_lands_on_the_household_and_passes_the_audit(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, stack: Stack
) -> None:
    head = await funded_member(loyalty_sessions, 30_000)  # 300 points
    member = await funded_member(loyalty_sessions, 50_000)  # 500 points
    reservation = await held(client, member, 10_000, points=200)
    own = (await pooled(loyalty_sessions, member)).own_account
    await household(loyalty_sessions, head, member)  # brings the 300 points left
    assert (await release(client, reservation["reservation_id"])).status_code == 200

    state = await pooled(loyalty_sessions, member)
    assert state.own_balance == 0
    assert state.pool_balance == 300 + 300 + 200
    assert state.pooled_into is not None
    assert ("till_release", 200, 800) in await entries(loyalty_sessions, state.pooled_into)
    assert await ledger_sound(loyalty_sessions, head, member) == ()
    async with loyalty_sessions() as session:
        assert await till_violations(session, [head, member]) == []

    async with tampering(stack) as session:
        # as if the member had joined only after the release: it belonged on their own account
        await session.execute(
            text(
                "UPDATE loyalty.account_poolings SET from_seq = (SELECT seq + 1 FROM "
                "loyalty.ledger_entries WHERE source_type = 'till_release' AND source_id = :r) "
                "WHERE account_id = :own"
            ),
            {"r": reservation["reservation_id"], "own": own},
        )
        [violation] = await till_violations(session, [member])
    assert violation.invariant is Invariant.TILL_HOLDS
    assert str(violation.subject) == reservation["reservation_id"]


async def test_refunds_before_joining_while_pooled_and_after_leaving_each_pass_the_audit(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, stack: Stack
) -> None:
    head = await funded_member(loyalty_sessions, 30_000)
    member = await funded_member(loyalty_sessions, 200_000)  # 2,000 points
    sold = await held(client, member, 10_000, points=1_000)  # 10 yuan of a 100 yuan sale
    purchase_id = uuid.uuid4()
    assert (await commit(client, sold, purchase_id, 10_000)).status_code == 200
    await handle(loyalty_sessions, sale_event(member, purchase_id, 10_000, 1_000))
    # a tenth of the sale back before joining: 100 points, on the member's own account
    await handle(loyalty_sessions, returned_event(member, purchase_id, 10_000, 100, 900))
    household_id = await household(loyalty_sessions, head, member)
    # another tenth while pooled: on the household's account
    await handle(loyalty_sessions, returned_event(member, purchase_id, 10_000, 100, 900))
    pool = (await pooled(loyalty_sessions, member)).pooled_into
    assert pool is not None
    await handle(loyalty_sessions, left(household_id, member))
    # the rest voided after leaving: the points tender's last 800 points, on their own again
    await handle(loyalty_sessions, voided_event(member, purchase_id, 10_000, 800))
    own = (await pooled(loyalty_sessions, member)).own_account

    refunds = [(kind, points) for kind, points, _ in await entries(loyalty_sessions, own)]
    assert refunds.count(("till_refund", 100)) == 1
    assert ("till_refund", 800) in refunds
    assert ("till_refund", 100) in [(k, p) for k, p, _ in await entries(loyalty_sessions, pool)]
    assert await ledger_sound(loyalty_sessions, head, member) == ()
    async with loyalty_sessions() as session:
        assert await till_violations(session, [head, member]) == []

    async with tampering(stack) as session:
        await session.execute(
            text("DELETE FROM loyalty.till_refunds WHERE source_id = :purchase"),
            {"purchase": purchase_id},
        )
        found = await till_violations(session, [member])
    assert {v.invariant for v in found} == {Invariant.TILL_REFUNDS}
    assert {str(v.subject) for v in found} == {str(purchase_id), sold["reservation_id"]}
    assert any(
        "records 1000 points refunded" in v.detail and "give back 200" in v.detail for v in found
    )
    assert any("no reservation recorded it" in v.detail for v in found)


async def test_a_hold_made_while_pooled_is_released_to_the_household_after_leaving(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    head = await funded_member(loyalty_sessions, 30_000)  # 300 points
    member = await funded_member(loyalty_sessions, 50_000)  # 500 points
    household_id = await household(loyalty_sessions, head, member)
    reservation = await held(client, member, 10_000, points=200)  # from the pool's 800
    pool = (await pooled(loyalty_sessions, member)).pooled_into
    assert pool is not None
    await handle(loyalty_sessions, left(household_id, member))
    pool_before = (await pooled(loyalty_sessions, head)).pool_balance
    assert pool_before is not None
    assert (await release(client, reservation["reservation_id"])).status_code == 200

    # the points were the household's when held, so they go back to the household
    assert (await pooled(loyalty_sessions, head)).pool_balance == pool_before + 200
    assert ("till_release", 200, pool_before + 200) in await entries(loyalty_sessions, pool)
    assert await ledger_sound(loyalty_sessions, head, member) == ()
    async with loyalty_sessions() as session:
        assert await till_violations(session, [head, member]) == []
