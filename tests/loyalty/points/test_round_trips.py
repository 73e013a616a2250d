"""What earning and opening accounts cost in statements: the purchase path is benchmarked."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import httpx

from shared.db import Sessions
from shared.testing.records import consumer_record
from tests.loyalty.campaigns.conftest import new_campaign, put_rules_from
from tests.loyalty.conftest import event_consumer, purchase_event, registered_event
from tests.loyalty.rules.sales import at, line, new_year, sale_event
from tests.loyalty.statements import engine_of, program_locks, statements

STATEMENTS_PER_EARN = 3
"""Lock the member's account, lock their tier standing, then one statement that appends
the entry, sets the balance, makes the lot and writes the purchase and the standing (the
outbox's own statement is counted apart). The ancestors of the sale's categories (kept
with the purchase for replays) are kept across batches since issue 19's sixth round
(``BATCH_ANCESTORS_READ``); before, their read made it 4. Before accounts had ids of their
own and tiers a table of their own, it was 2: the standing lived on the account row;
before the rules engine (issue 12) 3."""
PROGRAM_STATEMENTS = 1
"""Once per transaction: the program's lock, which also reads the tokens of the program's
reads kept across batches (``shared.kept``): the ladder, the tier and points policies, the
earning rules' versions and the campaigns not closed out under the ``program`` token, the
draw campaigns not ended and the categories' ancestors under tokens of their own (a sale a
draw campaign reaches adds its chances' statements). Before issue 19's sixth round 2: the
draw campaigns were read by every transaction; before its fifth 7: the ladder, the tier
policy, the earning rules' versions, the points policy and the campaigns not closed out
were too (a sale a campaign reaches adds its budget's update and one insert)."""
BATCH_ACCOUNT_LOCKS = 1
"""Once per batch of two or more events: its members' own accounts locked in id order (one
more when one of them is pooled into a household: the households), so that the batch takes
accounts in the kernel's lock order (none before issue 13's round six, when a batch could
deadlock with a till request of a household)."""
BATCH_REFERRAL_READ = 1
"""Once per batch of two or more purchases: which of its buyers have a pending referral
(issue 14), so that only a friend's purchase sends the referral's update."""
BATCH_ANCESTORS_READ = 0
"""The ancestors of the batch's sales' categories, kept across batches (issue 19's sixth
round): none once every category a batch names is kept (as after these tests' opening
batches), else one read of those not kept yet, for the whole batch. Before, 1 per batch of
two or more purchases (issue 19), and before that one per purchase."""
BATCH_STANDING_LOCKS = 1
"""Once per batch of two or more purchases by members in no household: their standings
locked in member order, after the accounts (issue 19)."""
STATEMENTS_PER_EARN_IN_A_BATCH = 1
"""A member's first purchase in a batch (issue 19): the account's and the standing's rows
come from the batch's own locks (``BATCH_ACCOUNT_LOCKS``, ``BATCH_STANDING_LOCKS``) and the
ancestors from ``BATCH_ANCESTORS_READ``, so what is left is the movement's one statement.
The member's later purchases in the same batch lock their account and standing again (3:
the first movement wrote them)."""
BATCH_CAMPAIGN_LOOKUP = 1
"""Once per batch of two or more purchases while a campaign is open: which of its sales a
campaign reached already (delivered again), instead of one look-up per sale it reaches."""
BATCH_OUTBOX_INSERT = 1
"""Once per batch of two or more events: what its handlers emitted, in one insert into the
outbox (issue 19; before, one insert per event that emitted)."""
STATEMENTS_PER_CAMPAIGN_SALE = 2
"""A sale a campaign reaches adds its budget's update and the insert recording the reach
(3 before issue 19, with its own look-up)."""


async def test_a_batch_of_repeat_purchases_costs_one_or_three_statements_per_event(
    loyalty_sessions: Sessions,
) -> None:
    consumer = event_consumer(loyalty_sessions)
    members = [uuid.uuid4() for _ in range(10)]
    opening = [purchase_event(member, 1_000) for member in members]
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(opening)])
    batch = [purchase_event(members[i % 10], 50_000 + i) for i in range(50)]
    with statements(engine_of(loyalty_sessions)) as sent:
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])

    ours = [s for s in sent if "outbox" not in s and "loyalty.inbox" not in s]
    assert len(program_locks(ours)) == 1
    # kept since the opening batch: the program did not change
    for kept in ("loyalty.tiers", "loyalty.tier_policy", "loyalty.points_policy"):
        assert not [s for s in ours if kept in s], kept
    assert not [s for s in ours if "FROM loyalty.campaigns" in s]
    assert not [s for s in ours if "FROM loyalty.earning_rule_versions" in s]
    assert len([s for s in ours if "ORDER BY loyalty.accounts.account_id" in s]) == 1
    batch_once = PROGRAM_STATEMENTS + BATCH_ACCOUNT_LOCKS + BATCH_REFERRAL_READ
    batch_once += BATCH_ANCESTORS_READ + BATCH_STANDING_LOCKS
    # other tests' campaigns may be open (in years of their own): then the batch also looks
    # up which of its sales a campaign reached before
    batch_once += len([s for s in ours if "FROM loyalty.campaign_purchases" in s])
    firsts, laters = len(members), len(batch) - len(members)  # each member buys five times
    again = 2  # a member's later purchase locks their account and standing again
    per_event = (
        STATEMENTS_PER_EARN_IN_A_BATCH * firsts + (STATEMENTS_PER_EARN_IN_A_BATCH + again) * laters
    )
    assert len(ours) == batch_once + per_event
    assert len([s for s in sent if "loyalty.inbox" in s]) == 1
    assert len([s for s in sent if "outbox" in s]) == BATCH_OUTBOX_INSERT


async def test_a_batch_of_200_sales_under_a_campaign_costs_three_statements_per_sale(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """The benchmark's batch: 200 sales of 200 members loyalty knows, each reached by an
    open campaign (bench ``--campaign``), no coupon used."""
    start = new_year(6) + timedelta(days=250)
    store = uuid.uuid4()
    # the rules in force in a future year are whichever this worker's earlier tests put last;
    # a version capping points per member and day would read each sale's member's day
    await put_rules_from(client, start)
    await new_campaign(client, start, store, bonus_points=20, budget_points=10**9)
    consumer = event_consumer(loyalty_sessions)
    members = [uuid.uuid4() for _ in range(200)]
    opening = [purchase_event(member, 1_000) for member in members]
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(opening)])
    day = at(start.date())
    batch = [
        sale_event(member, day, line(1, "HP-FISHOIL-60", "health", 30_000 + n), store_id=store)
        for n, member in enumerate(members)
    ]
    with statements(engine_of(loyalty_sessions)) as sent:
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])

    ours = [s for s in sent if "outbox" not in s and "loyalty.inbox" not in s]
    batch_once = PROGRAM_STATEMENTS + BATCH_ACCOUNT_LOCKS + BATCH_REFERRAL_READ
    batch_once += BATCH_ANCESTORS_READ + BATCH_STANDING_LOCKS + BATCH_CAMPAIGN_LOOKUP
    per_sale = STATEMENTS_PER_EARN_IN_A_BATCH + STATEMENTS_PER_CAMPAIGN_SALE
    assert len(ours) == batch_once + per_sale * len(batch), Counter(s[:90] for s in ours)
    assert len([s for s in sent if "outbox" in s]) == BATCH_OUTBOX_INSERT


async def test_a_batch_of_registrations_costs_two_loyalty_statements_per_event(
    loyalty_sessions: Sessions,
) -> None:
    """Open the account, then open the standing (tried first: a registered member is
    almost always new); ``loyalty.account.opened`` goes to the outbox with the batch's."""
    consumer = event_consumer(loyalty_sessions)
    await consumer.apply([consumer_record(registered_event(uuid.uuid4()), offset=0)])
    batch = [registered_event(uuid.uuid4()) for _ in range(20)]
    with statements(engine_of(loyalty_sessions)) as sent:
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])

    ours = [s for s in sent if "outbox" not in s and "loyalty.inbox" not in s]
    # the program (its ladder kept since the first registration; 2 statements before issue
    # 19's fifth round) and the accounts locked in order, once
    assert len(ours) == 1 + BATCH_ACCOUNT_LOCKS + 2 * len(batch)
    assert len([s for s in sent if "outbox" in s]) == BATCH_OUTBOX_INSERT
