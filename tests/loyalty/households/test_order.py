"""One member's household changes applied in customer's order (``version``), whatever
order they arrive in: early ones kept until the changes before them come, stale ones
ignored. Hand-computed balances."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from services.loyalty.households.schemas import HouseholdPolicyIn
from services.loyalty.households.service import set_policy
from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from tests.loyalty.conftest import funded_member, handle, published
from tests.loyalty.households.conftest import created, entries, joined, left, pooled


def _again(event: CloudEvent) -> CloudEvent:
    """The same change delivered again under a new event id (a republish by another
    relay run, or a duplicate the inbox cannot recognise)."""
    return event.model_copy(update={"id": str(uuid.uuid4())})


async def _kept_and_applied(sessions: Sessions, member: uuid.UUID) -> tuple[list[int], int]:
    """The versions kept early for the member, and the last version applied."""
    async with sessions() as session:
        kept = await session.scalars(
            text(
                "SELECT version FROM loyalty.household_early_changes WHERE member_id = :m "
                "ORDER BY version"
            ),
            {"m": member},
        )
        applied = await session.scalar(
            text("SELECT version FROM loyalty.household_membership_versions WHERE member_id = :m"),
            {"m": member},
        )
    return list(kept), int(applied or 0)


async def _clean(sessions: Sessions, *members: uuid.UUID) -> None:
    async with sessions() as session:
        report = await check_ledger_invariants(session, members=members)
    assert report.ok, report.violations


async def test_a_leaving_that_overtakes_its_joining_is_applied_after_it(
    loyalty_sessions: Sessions,
) -> None:
    async with transaction(loyalty_sessions) as session:
        await set_policy(session, HouseholdPolicyIn(leaving_share="earned_share"))
    head = await funded_member(loyalty_sessions, 30_000)  # 300 points
    other = await funded_member(loyalty_sessions, 20_000)  # 200 points
    household_id = uuid.uuid4()
    await handle(loyalty_sessions, created(household_id, head, version=1))
    leaving = left(household_id, other, version=2)
    await handle(loyalty_sessions, leaving)  # before the joining it follows
    await handle(loyalty_sessions, _again(leaving))
    early = await pooled(loyalty_sessions, other)
    assert (early.pooled_into, early.own_balance) == (None, 200)  # nothing applied yet
    assert await _kept_and_applied(loyalty_sessions, other) == ([2], 0)

    await handle(loyalty_sessions, joined(household_id, other, version=1))

    # joined (200 in: 500 on the pool), then left with the earned share: 500 × 200 / 500
    after = await pooled(loyalty_sessions, other)
    assert (after.pooled_into, after.own_balance) == (None, 200)
    state = await pooled(loyalty_sessions, head)
    assert state.pool_balance == 300
    assert state.pooled_into is not None
    assert await entries(loyalty_sessions, state.pooled_into) == [
        ("transfer_in", 300, 300),
        ("transfer_in", 200, 500),
        ("transfer_out", -200, 300),
    ]
    moves = await published(loyalty_sessions, other, "loyalty.points.transferred")
    assert [(m["direction"], m["points"]) for m in moves] == [("joined", 200), ("left", 200)]
    assert await _kept_and_applied(loyalty_sessions, other) == ([], 2)
    await _clean(loyalty_sessions, head, other)


async def test_joining_a_second_household_before_leaving_the_first_waits_for_the_leaving(
    loyalty_sessions: Sessions,
) -> None:
    mover = await funded_member(loyalty_sessions, 40_000)  # 400 points
    second_head = await funded_member(loyalty_sessions, 10_000)  # 100 points
    first, second = uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, created(first, mover, version=1))
    await handle(loyalty_sessions, created(second, second_head, version=1))
    first_pool = (await pooled(loyalty_sessions, mover)).pooled_into

    # leaves the first (v2, dissolving it) then joins the second (v3): on two partitions,
    # the joining arrives first and waits, without holding anything back
    await handle(loyalty_sessions, joined(second, mover, version=3))
    assert (await pooled(loyalty_sessions, mover)).pooled_into == first_pool
    await handle(loyalty_sessions, left(first, mover, dissolved=True, version=2))

    state = await pooled(loyalty_sessions, mover)
    assert state.pooled_into == (await pooled(loyalty_sessions, second_head)).pooled_into
    assert (state.own_balance, state.pool_balance) == (0, 500)  # took its 400 and brought it
    assert first_pool is not None
    assert (await entries(loyalty_sessions, first_pool))[-1] == ("transfer_out", -400, 0)
    assert await _kept_and_applied(loyalty_sessions, mover) == ([], 3)
    await _clean(loyalty_sessions, mover, second_head)


async def test_a_change_at_or_below_the_version_applied_is_ignored(
    loyalty_sessions: Sessions,
) -> None:
    head = await funded_member(loyalty_sessions, 30_000)
    other = await funded_member(loyalty_sessions, 20_000)
    household_id = uuid.uuid4()
    opened = created(household_id, head, version=1)
    joining = joined(household_id, other, version=1)
    leaving = left(household_id, other, version=2)
    for event in (opened, joining, leaving):
        await handle(loyalty_sessions, event)
    pool = (await pooled(loyalty_sessions, head)).pooled_into
    assert pool is not None
    before = await entries(loyalty_sessions, pool)

    # the relay republishes the household's changes under new ids: none applies again
    for event in (opened, joining, leaving):
        await handle(loyalty_sessions, _again(event))

    assert await entries(loyalty_sessions, pool) == before
    assert (await pooled(loyalty_sessions, other)).pooled_into is None
    assert await _kept_and_applied(loyalty_sessions, other) == ([], 2)
    await _clean(loyalty_sessions, head, other)
