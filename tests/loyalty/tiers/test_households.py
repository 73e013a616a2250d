"""Tiers of household members: the household's qualifying spend counts for every holder
(purchases made while a holder), a holder never falls below what their own spend
reaches, and a member who leaves is measured by their own again. Hand-computed on the
seeds' ladder (vip from 100,000 fen, star from 500,000)."""

from __future__ import annotations

import uuid

from services.loyalty.members.service import loyalty_of
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.tiers.jobs import review_due
from services.loyalty.tiers.service import standing_of
from shared.db import Sessions
from shared.testing.records import consumer_record
from tests.loyalty.conftest import (
    event_consumer,
    handle,
    published,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.loyalty.households.conftest import created, joined, left
from tests.loyalty.points.test_round_trips import (
    BATCH_ACCOUNT_LOCKS,
    BATCH_ANCESTORS_READ,
    BATCH_REFERRAL_READ,
    PROGRAM_STATEMENTS,
)
from tests.loyalty.statements import engine_of, statements
from tests.loyalty.tiers.conftest import tier_policy
from tests.loyalty.tiers.test_windows import MARCH_2026, NEW_YEAR_2027, NEW_YEAR_2028


async def _tiers(sessions: Sessions, *members: uuid.UUID) -> list[str]:
    async with sessions() as session:
        standings = [await standing_of(session, member) for member in members]
    return [standing.tier_code if standing else "-" for standing in standings]


async def _changes(sessions: Sessions, member: uuid.UUID) -> list[tuple[str, str]]:
    changes = await published(sessions, member, "loyalty.tier.changed")
    return [(c["to_tier"], c["change"]) for c in changes]


async def test_two_holders_reach_together_a_tier_neither_reaches_alone(
    loyalty_sessions: Sessions,
) -> None:
    head, other = uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(other, 40_000))  # before joining: theirs
    household_id = uuid.uuid4()
    await handle(loyalty_sessions, created(household_id, head, version=1))
    await handle(loyalty_sessions, joined(household_id, other, version=1))
    await handle(loyalty_sessions, purchase_event(head, 60_000))
    assert await _tiers(loyalty_sessions, head, other) == ["standard", "standard"]

    bought = purchase_event(other, 50_000)  # household 110,000; apart 60,000 and 90,000
    await handle(loyalty_sessions, bought)
    assert await _tiers(loyalty_sessions, head, other) == ["vip", "vip"]
    async with loyalty_sessions() as session:
        view = await loyalty_of(session, head)
    # the head's own spend is 60,000; the household's 110,000 shows, toward star
    assert (view.tier.code, view.qualifying_spend_fen, view.missing_fen) == (
        "vip",
        110_000,
        390_000,
    )

    # lifetime: a return that takes the household to 90,000 demotes both at once (the
    # head's own 60,000, the buyer's own 90,000 - 20,000)
    await handle(loyalty_sessions, return_event(other, purchase_id_of(bought), 20_000, 50_000))
    assert await _tiers(loyalty_sessions, head, other) == ["standard", "standard"]

    # the leaver is measured by their own again (70,000); the household keeps the 30,000
    # they bought while a holder: the head's next 10,000 takes it to 100,000
    await handle(loyalty_sessions, left(household_id, other, version=2))
    await handle(loyalty_sessions, purchase_event(head, 10_000))
    assert await _tiers(loyalty_sessions, head, other) == ["vip", "standard"]

    assert await _changes(loyalty_sessions, head) == [
        ("vip", "upgrade"),
        ("standard", "downgrade"),
        ("vip", "upgrade"),
    ]
    assert await _changes(loyalty_sessions, other) == [
        ("vip", "upgrade"),
        ("standard", "downgrade"),
    ]
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[head, other])
    assert report.ok, str(report)


async def test_joining_takes_the_households_tier_and_never_costs_ones_own(
    loyalty_sessions: Sessions,
) -> None:
    head, small, big = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(small, 10_000))
    await handle(loyalty_sessions, purchase_event(big, 600_000))  # star on their own
    household_id = uuid.uuid4()
    await handle(loyalty_sessions, created(household_id, head, version=1))
    await handle(loyalty_sessions, purchase_event(head, 150_000))  # the household: vip
    await handle(loyalty_sessions, joined(household_id, small, version=1))
    await handle(loyalty_sessions, joined(household_id, big, version=1))
    assert await _tiers(loyalty_sessions, head, small, big) == ["vip", "vip", "star"]
    assert await _changes(loyalty_sessions, small) == [("vip", "upgrade")]

    # leaving under the lifetime policy: own spend 10,000 places them on standard at once
    await handle(loyalty_sessions, left(household_id, small, version=2))
    assert await _tiers(loyalty_sessions, small) == ["standard"]
    assert await _changes(loyalty_sessions, small) == [
        ("vip", "upgrade"),
        ("standard", "downgrade"),
    ]


async def test_the_review_at_the_periods_end_counts_the_households_year(
    loyalty_sessions: Sessions,
) -> None:
    head, other = uuid.uuid4(), uuid.uuid4()
    async with tier_policy(loyalty_sessions, qualify_by="spend", window="calendar_year"):
        household_id = uuid.uuid4()
        await handle(loyalty_sessions, created(household_id, head, version=1))
        await handle(loyalty_sessions, joined(household_id, other, version=1))
        await handle(loyalty_sessions, purchase_event(head, 60_000, purchased_at=MARCH_2026))
        await handle(loyalty_sessions, purchase_event(other, 50_000, purchased_at=MARCH_2026))
        assert await _tiers(loyalty_sessions, head, other) == ["vip", "vip"]

        # 2026: 60,000 and 50,000 apart, 110,000 together: both keep vip for 2027
        await review_due(loyalty_sessions, NEW_YEAR_2027)
        async with loyalty_sessions() as session:
            kept = [await standing_of(session, m) for m in (head, other)]
        assert [(s.tier_code, s.review_at) for s in kept if s] == [
            ("vip", NEW_YEAR_2028),
            ("vip", NEW_YEAR_2028),
        ]
        # 2027 bought nothing: both fall to standard at its end (no grace)
        await review_due(loyalty_sessions, NEW_YEAR_2028)
        assert await _tiers(loyalty_sessions, head, other) == ["standard", "standard"]


STATEMENTS_PER_HOUSEHOLD_EARN = 7
"""A holder's purchase: lock their own account, then the household's, read its holders,
lock their standings in member order (the buyer's among them), read the ancestors of the
sale's categories, the household's measures, then the one statement of the movement and
its writes. A member's own account costs 4 (``tests/loyalty/points/test_round_trips``).
In a batch the ancestors are read once for all its sales (issue 19), and each holder's
first purchase finds their own account locked by the batch: 6, a holder's first 5."""


async def test_a_household_members_purchase_costs_three_statements_more(
    loyalty_sessions: Sessions,
) -> None:
    head, other = uuid.uuid4(), uuid.uuid4()
    household_id = uuid.uuid4()
    await handle(loyalty_sessions, created(household_id, head, version=1))
    await handle(loyalty_sessions, joined(household_id, other, version=1))
    consumer = event_consumer(loyalty_sessions)
    # the program's reads kept as a batch after the first finds them (a batch of two or more
    # takes the program first, a lone purchase after its referral's look-up)
    warm = [purchase_event(uuid.uuid4(), 1_000) for _ in range(2)]
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(warm)])
    batch = [purchase_event((head, other)[i % 2], 1_000 + i) for i in range(10)]
    with statements(engine_of(loyalty_sessions)) as sent:
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])

    ours = [s for s in sent if "outbox" not in s and "loyalty.inbox" not in s]
    household_lock = 1  # the batch's own accounts are pooled: the household's locked after
    assert len(ours) == (
        PROGRAM_STATEMENTS
        + BATCH_ACCOUNT_LOCKS
        + BATCH_REFERRAL_READ
        + household_lock
        + BATCH_ANCESTORS_READ
        + len([s for s in ours if "FROM loyalty.campaign_purchases" in s])  # open campaigns
        + (STATEMENTS_PER_HOUSEHOLD_EARN - 1) * len(batch)
        - 2  # the two holders' first purchases: their own accounts' rows from the batch lock
    )
