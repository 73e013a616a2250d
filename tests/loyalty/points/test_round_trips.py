"""What earning and opening accounts cost in statements: the purchase path is benchmarked."""

from __future__ import annotations

import uuid

from shared.db import Sessions
from shared.testing.records import consumer_record
from tests.loyalty.conftest import event_consumer, purchase_event, registered_event
from tests.loyalty.statements import engine_of, program_locks, statements

STATEMENTS_PER_EARN = 4
"""Lock the member's account, lock their tier standing, read the ancestors of the sale's
categories (kept with the purchase for replays), then one statement that appends the
entry, sets the balance, makes the lot and writes the purchase and the standing (the
outbox's own statement is counted apart). Before accounts had ids of their own and tiers
a table of their own, it was 2: the standing lived on the account row; before the rules
engine (issue 12) 3."""
PROGRAM_STATEMENTS = 7
"""Once per transaction: the program's lock, its ladder, the tier policy, the earning
rules' versions, the points policy, the campaigns not closed out (5 before campaigns;
a sale a campaign reaches adds its budget's update and one insert) and the draw campaigns
not ended (since lottery draws; a sale one reaches adds its chances' statements)."""
BATCH_ACCOUNT_LOCKS = 1
"""Once per batch of two or more events: its members' own accounts locked in id order (one
more when one of them is pooled into a household: the households), so that the batch takes
accounts in the kernel's lock order (none before issue 13's round six, when a batch could
deadlock with a till request of a household)."""
BATCH_REFERRAL_READ = 1
"""Once per batch of two or more purchases: which of its buyers have a pending referral
(issue 14), so that only a friend's purchase sends the referral's update."""


async def test_a_batch_of_purchases_costs_four_loyalty_statements_per_event(
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
    assert len([s for s in ours if "loyalty.tiers" in s]) == 1
    assert len([s for s in ours if "loyalty.points_policy" in s]) == 1  # read once a batch
    assert len([s for s in ours if "FROM loyalty.campaigns" in s]) == 1
    assert len([s for s in ours if "ORDER BY loyalty.accounts.account_id" in s]) == 1
    batch_once = PROGRAM_STATEMENTS + BATCH_ACCOUNT_LOCKS + BATCH_REFERRAL_READ
    assert len(ours) == batch_once + STATEMENTS_PER_EARN * len(batch)
    assert len([s for s in sent if "loyalty.inbox" in s]) == 1
    outbox = [s for s in sent if "outbox" in s]
    assert len(outbox) <= len(batch)  # one insert per earn at most (tier changes go along)


async def test_a_batch_of_registrations_costs_two_loyalty_statements_per_event(
    loyalty_sessions: Sessions,
) -> None:
    """Open the account, then open the standing (tried first: a registered member is
    almost always new); ``loyalty.account.opened`` goes to the outbox apart."""
    consumer = event_consumer(loyalty_sessions)
    batch = [registered_event(uuid.uuid4()) for _ in range(20)]
    with statements(engine_of(loyalty_sessions)) as sent:
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])

    ours = [s for s in sent if "outbox" not in s and "loyalty.inbox" not in s]
    # the program and its ladder, and the accounts locked in order, once
    assert len(ours) == 2 + BATCH_ACCOUNT_LOCKS + 2 * len(batch)
    assert len([s for s in sent if "outbox" in s]) == len(batch)
