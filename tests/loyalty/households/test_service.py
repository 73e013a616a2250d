"""Household accounts as loyalty applies customer's events: pooling, earning, redeeming,
reversing and leaving, with hand-computed balances."""

from __future__ import annotations

import uuid

import pytest

from services.loyalty.households.errors import HouseholdNotKnown, StillInAnotherHousehold
from services.loyalty.households.schemas import HouseholdPolicyIn
from services.loyalty.households.service import set_policy
from services.loyalty.members.service import ledger_of as ledger_view
from services.loyalty.members.service import loyalty_of
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from tests.loyalty.conftest import (
    funded_member,
    handle,
    published,
    purchase_event,
    return_event,
)
from tests.loyalty.households.conftest import (
    created,
    entries,
    household,
    joined,
    left,
    pooled,
)


async def _policy(sessions: Sessions, leaving_share: str) -> None:
    async with transaction(sessions) as session:
        await set_policy(
            session, HouseholdPolicyIn.model_validate({"leaving_share": leaving_share})
        )


async def _clean(sessions: Sessions, *members: uuid.UUID) -> None:
    async with sessions() as session:
        report = await check_ledger_invariants(session, members=members)
    assert report.ok, report.violations


async def test_joining_pools_points_and_every_holder_earns_sees_and_spends_them(
    loyalty_sessions: Sessions,
) -> None:
    head = await funded_member(loyalty_sessions, 30_000)  # 300 points
    other = await funded_member(loyalty_sessions, 20_000)  # 200 points
    await household(loyalty_sessions, head, other)

    mine, theirs = await pooled(loyalty_sessions, head), await pooled(loyalty_sessions, other)
    assert mine.pooled_into == theirs.pooled_into is not None
    assert (mine.own_balance, theirs.own_balance, mine.pool_balance) == (0, 0, 500)
    pool = mine.pooled_into
    assert pool is not None
    assert await entries(loyalty_sessions, pool) == [
        ("transfer_in", 300, 300),
        ("transfer_in", 200, 500),
    ]
    assert await entries(loyalty_sessions, mine.own_account) == [
        ("purchase", 300, 300),
        ("transfer_out", -300, 0),
    ]

    [moved] = await published(loyalty_sessions, other, "loyalty.points.transferred")
    assert (moved["direction"], moved["points"], moved["balance"], moved["member_balance"]) == (
        "joined",
        200,
        500,
        0,
    )
    assert moved["account_id"] == str(pool)

    await handle(loyalty_sessions, purchase_event(other, 12_345))  # 123 points, to the pool
    async with transaction(loyalty_sessions) as session:
        spent = await redeem(session, head, RedemptionIn(points=23, reason="兑换毛巾"))
    assert (spent.account_id, spent.balance) == (pool, 600)
    async with loyalty_sessions() as session:
        view = await loyalty_of(session, head)
    async with loyalty_sessions() as session:
        their_view = await loyalty_of(session, other)
    async with loyalty_sessions() as session:
        page = await ledger_view(session, other, 10, None)
    assert (
        (view.account_id, view.balance)
        == (their_view.account_id, their_view.balance)
        == (pool, 600)
    )
    assert [(e.kind, e.source_type, e.points) for e in page.items] == [
        ("redeem", "redemption", -23),
        ("earn", "purchase", 123),
        ("transfer", "transfer_in", 200),
        ("transfer", "transfer_in", 300),
    ]
    assert (await pooled(loyalty_sessions, other)).own_balance == 0
    await _clean(loyalty_sessions, head, other)


async def test_a_return_of_a_purchase_made_before_joining_takes_points_from_the_household(
    loyalty_sessions: Sessions,
) -> None:
    member = uuid.uuid4()
    bought = purchase_event(member, 40_000)  # 400 points on their own account
    await handle(loyalty_sessions, bought)
    head = await funded_member(loyalty_sessions, 10_000)  # 100
    await household(loyalty_sessions, head, member)
    purchase_id = bought.data["purchase_id"]
    await handle(loyalty_sessions, return_event(member, uuid.UUID(purchase_id), 10_000, 40_000))

    state = await pooled(loyalty_sessions, member)
    assert state.own_balance == 0
    assert state.pool_balance == 500 - 100  # a quarter of 400 back, from the household
    assert state.pooled_into is not None
    assert (await entries(loyalty_sessions, state.pooled_into))[-1] == ("return", -100, 400)
    await _clean(loyalty_sessions, head, member)


@pytest.mark.parametrize(
    ("policy", "takes"),
    [
        ("nothing", 0),
        # 3 holders, 901 points: 300 each, the household keeps the point left over
        ("equal_share", 300),
        # put in 200 + 100 earned = 300 of 300 + 200 + 300 + 100 = 900; 901 × 300 / 900 = 300.33
        ("earned_share", 300),
    ],
)
async def test_a_leaving_member_takes_what_the_policy_gives(
    loyalty_sessions: Sessions, policy: str, takes: int
) -> None:
    await _policy(loyalty_sessions, policy)
    head = await funded_member(loyalty_sessions, 30_000)  # 300
    leaving = await funded_member(loyalty_sessions, 20_000)  # 200
    third = await funded_member(loyalty_sessions, 30_000)  # 300
    household_id = await household(loyalty_sessions, head, leaving, third)
    await handle(loyalty_sessions, purchase_event(leaving, 10_000))  # 100, to the pool
    await handle(loyalty_sessions, purchase_event(head, 100))  # 1

    await handle(loyalty_sessions, left(household_id, leaving))
    announced = await published(loyalty_sessions, leaving, "loyalty.points.transferred")
    assert [(e["direction"], e["points"]) for e in announced] == [("joined", 200)] + (
        [("left", takes)] if takes else []
    )
    gone, staying = await pooled(loyalty_sessions, leaving), await pooled(loyalty_sessions, head)
    assert (gone.pooled_into, gone.own_balance) == (None, takes)
    assert staying.pool_balance == 901 - takes
    # their own account is theirs again: their next purchase earns there
    await handle(loyalty_sessions, purchase_event(leaving, 5_000))
    assert (await pooled(loyalty_sessions, leaving)).own_balance == takes + 50
    assert (await pooled(loyalty_sessions, head)).pool_balance == 901 - takes
    await _clean(loyalty_sessions, head, leaving, third)


async def test_the_earned_share_counts_what_was_put_in_against_what_is_left(
    loyalty_sessions: Sessions,
) -> None:
    await _policy(loyalty_sessions, "earned_share")
    head = await funded_member(loyalty_sessions, 60_000)  # 600
    leaving = await funded_member(loyalty_sessions, 20_000)  # 200
    household_id = await household(loyalty_sessions, head, leaving)
    async with transaction(loyalty_sessions) as session:
        await redeem(session, head, RedemptionIn(points=400, reason="兑换电饭煲"))
    await handle(loyalty_sessions, left(household_id, leaving))
    # put in 200 of 800; 400 left: 400 × 200 / 800 = 100
    assert (await pooled(loyalty_sessions, leaving)).own_balance == 100
    assert (await pooled(loyalty_sessions, head)).pool_balance == 300
    await _clean(loyalty_sessions, head, leaving)


async def test_the_last_member_to_leave_takes_the_whole_balance(loyalty_sessions: Sessions) -> None:
    await _policy(loyalty_sessions, "nothing")
    head = await funded_member(loyalty_sessions, 30_000)
    other = await funded_member(loyalty_sessions, 20_000)
    household_id = await household(loyalty_sessions, head, other)
    pool = (await pooled(loyalty_sessions, head)).pooled_into
    assert pool is not None
    await handle(loyalty_sessions, left(household_id, other))
    await handle(loyalty_sessions, left(household_id, head, dissolved=True))
    assert (await pooled(loyalty_sessions, other)).own_balance == 0
    last = await pooled(loyalty_sessions, head)
    assert (last.pooled_into, last.own_balance) == (None, 500)
    assert (await entries(loyalty_sessions, pool))[-1] == ("transfer_out", -500, 0)
    await _clean(loyalty_sessions, head, other)


async def test_events_again_change_nothing(loyalty_sessions: Sessions) -> None:
    head = await funded_member(loyalty_sessions, 30_000)
    other = await funded_member(loyalty_sessions, 20_000)
    household_id = uuid.uuid4()
    for event in (created(household_id, head), joined(household_id, other)):
        await handle(loyalty_sessions, event)
        await handle(loyalty_sessions, event.model_copy(update={"id": str(uuid.uuid4())}))
    pool = (await pooled(loyalty_sessions, head)).pooled_into
    assert pool is not None
    assert len(await entries(loyalty_sessions, pool)) == 2
    leaving = left(household_id, other)
    await handle(loyalty_sessions, leaving)
    after = await entries(loyalty_sessions, pool)
    await handle(loyalty_sessions, leaving.model_copy(update={"id": str(uuid.uuid4())}))
    assert await entries(loyalty_sessions, pool) == after
    await _clean(loyalty_sessions, head, other)


async def test_events_out_of_order_wait_for_the_one_missing(loyalty_sessions: Sessions) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    with pytest.raises(HouseholdNotKnown):
        await handle(loyalty_sessions, joined(uuid.uuid4(), member))
    with pytest.raises(HouseholdNotKnown):
        await handle(loyalty_sessions, left(uuid.uuid4(), member))
    first = await household(loyalty_sessions, member)
    second_head = await funded_member(loyalty_sessions, 10_000)
    second = await household(loyalty_sessions, second_head)
    with pytest.raises(StillInAnotherHousehold):  # its leaving of the first is still to come
        await handle(loyalty_sessions, joined(second, member))
    await handle(loyalty_sessions, left(first, member, dissolved=True))
    await handle(loyalty_sessions, joined(second, member))
    state = await pooled(loyalty_sessions, member)
    assert (state.own_balance, state.pool_balance) == (0, 200)
    await _clean(loyalty_sessions, member, second_head)


async def test_a_member_loyalty_never_saw_gets_an_account_when_their_household_opens(
    loyalty_sessions: Sessions,
) -> None:
    head = uuid.uuid4()
    await household(loyalty_sessions, head)
    state = await pooled(loyalty_sessions, head)
    assert (state.own_balance, state.pool_balance) == (0, 0)
    await handle(loyalty_sessions, purchase_event(head, 7_000))
    assert (await pooled(loyalty_sessions, head)).pool_balance == 70
    await _clean(loyalty_sessions, head)
