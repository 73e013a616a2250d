"""Purchases earn and returns reverse, as loyalty's handlers apply the events."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import select, text

from services.loyalty.points.errors import PurchaseNotKnown
from services.loyalty.points.invariants import Invariant, check_ledger_invariants
from services.loyalty.points.models import Purchase
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import PurchaseReturned
from shared.testing.records import consumer_record
from tests.loyalty.conftest import (
    account_of,
    envelopes,
    event_consumer,
    handle,
    ledger_of,
    lots_of,
    published,
    purchase_event,
    purchase_id_of,
    registered_event,
    return_event,
)


async def _consistent(sessions: Sessions) -> list[uuid.UUID]:
    """Accounts whose cached balance is not the sum of their ledger (should be none)."""
    async with sessions() as session:
        report = await check_ledger_invariants(session)
    return [violation.subject for violation in report.of(Invariant.BALANCE)]


def _record(event: CloudEvent, offset: int) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(event, topic="orders.events", offset=offset)


async def test_a_purchase_earns_points_in_the_ledger_and_the_outbox(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await handle(loyalty_sessions, registered_event(member_id))
    event = purchase_event(member_id, 45_678)  # ¥456.78 at the standard rate
    await handle(loyalty_sessions, event)

    [entry] = await ledger_of(loyalty_sessions, member_id)
    assert (entry.kind, entry.points, entry.balance_after) == ("earn", 456, 456)
    assert (entry.source_type, entry.source_id) == ("purchase", purchase_id_of(event))
    assert entry.event_id == event.id
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (
        456,
        45_678,
        "standard",
    )
    assert await lots_of(loyalty_sessions, member_id) == [(456, 456)]
    [earned] = await envelopes(loyalty_sessions, member_id, "loyalty.points.earned")
    assert earned["data"]["points"] == 456
    assert earned["data"]["balance"] == 456
    assert earned["data"]["entry_id"] == str(entry.id)
    assert earned["data"]["account_id"] == earned["subject"] == str(account.account_id)
    assert earned["partitionkey"] == str(member_id)
    assert await published(loyalty_sessions, member_id, "loyalty.tier.changed") == []
    assert account.account_id not in await _consistent(loyalty_sessions)


async def test_a_purchase_before_the_registration_opens_the_account_once(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(member_id, 20_000))
    await handle(loyalty_sessions, registered_event(member_id))
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen) == (200, 20_000)
    [opened] = await envelopes(loyalty_sessions, member_id, "loyalty.account.opened")
    assert opened["subject"] == str(account.account_id)
    assert opened["data"]["tier_code"] == "standard"


async def test_crossing_thresholds_promotes_and_multipliers_follow_the_tier(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(member_id, 600_000))  # standard → star
    await handle(loyalty_sessions, purchase_event(member_id, 10_000))  # earns at ×1.5

    entries = await ledger_of(loyalty_sessions, member_id)
    assert [e.points for e in entries] == [6_000, 150]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.tier_code == "star"
    [changed] = await published(loyalty_sessions, member_id, "loyalty.tier.changed")
    assert changed["from_tier"] == "standard"
    assert changed["to_tier"] == "star"
    assert changed["to_tier_name"] == "VIP健康之星"
    assert changed["direction"] == "up"
    assert changed["qualifying_spend_fen"] == 600_000
    balances = [
        e["balance"] for e in await published(loyalty_sessions, member_id, "loyalty.points.earned")
    ]
    assert balances == [6_000, 6_150]
    async with loyalty_sessions() as session:
        tiers = await session.scalars(
            select(Purchase.tier_code)  # type: ignore[call-overload]
            .where(Purchase.member_id == member_id)
            .order_by(Purchase.created_at)
        )
        assert list(tiers) == ["standard", "star"]  # the tier each purchase earned at


async def test_the_same_envelope_delivered_twice_changes_nothing(
    loyalty_sessions: Sessions,
) -> None:
    consumer = event_consumer(loyalty_sessions)
    member_id = uuid.uuid4()
    event = purchase_event(member_id, 150_000)
    await consumer.apply([_record(event, 1), _record(event, 1)])  # twice in one batch
    await consumer.apply([_record(event, 2)])  # and redelivered later

    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [1_500]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (
        1_500,
        150_000,
        "vip",
    )
    assert len(await published(loyalty_sessions, member_id, "loyalty.points.earned")) == 1
    assert len(await published(loyalty_sessions, member_id, "loyalty.tier.changed")) == 1


async def test_the_same_purchase_under_a_new_event_id_earns_once(
    loyalty_sessions: Sessions,
) -> None:
    member_id, purchase_id = uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(member_id, 30_000, purchase_id))
    await handle(loyalty_sessions, purchase_event(member_id, 30_000, purchase_id))
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [300]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.version, account.qualifying_spend_fen) == (300, 2, 30_000)
    assert await lots_of(loyalty_sessions, member_id) == [(300, 300)]


async def test_the_same_purchase_twice_in_one_batch_earns_and_publishes_once(
    loyalty_sessions: Sessions,
) -> None:
    consumer = event_consumer(loyalty_sessions)
    member_id, purchase_id = uuid.uuid4(), uuid.uuid4()
    first = purchase_event(member_id, 120_000, purchase_id)
    again = purchase_event(member_id, 120_000, purchase_id)  # republished: a new event id
    await consumer.apply([_record(first, 1), _record(again, 2)])

    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [1_200]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (
        1_200,
        120_000,
        "vip",
    )
    assert len(await published(loyalty_sessions, member_id, "loyalty.points.earned")) == 1
    assert len(await published(loyalty_sessions, member_id, "loyalty.tier.changed")) == 1
    assert len(await published(loyalty_sessions, member_id, "loyalty.account.opened")) == 1


async def test_a_purchase_already_earned_opens_no_account_for_another_member(
    loyalty_sessions: Sessions,
) -> None:
    member_id, purchase_id = uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(member_id, 30_000, purchase_id))
    stranger = uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(stranger, 30_000, purchase_id))
    assert await account_of(loyalty_sessions, stranger) is None
    assert await published(loyalty_sessions, stranger, "loyalty.points.earned") == []
    assert await published(loyalty_sessions, stranger, "loyalty.account.opened") == []
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [300]


async def test_returns_reverse_in_proportion_and_demote(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 150_000)  # ¥1,500 → vip, 1,500 points
    purchase_id = purchase_id_of(sale)
    await handle(loyalty_sessions, sale)

    first = return_event(member_id, purchase_id, 45_000, 150_000)
    await handle(loyalty_sessions, first)
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (
        1_050,
        105_000,
        "vip",
    )
    await handle(loyalty_sessions, return_event(member_id, purchase_id, 105_000, 150_000))

    entries = await ledger_of(loyalty_sessions, member_id)
    assert [(e.kind, e.points, e.balance_after) for e in entries] == [
        ("earn", 1_500, 1_500),
        ("reverse", -450, 1_050),
        ("reverse", -1_050, 0),
    ]
    assert (entries[1].source_type, str(entries[1].source_id)) == (
        "return",
        first.data["return_id"],
    )
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (0, 0, "standard")
    assert await lots_of(loyalty_sessions, member_id) == [(1_500, 0)]
    reversed_ = await envelopes(loyalty_sessions, member_id, "loyalty.points.reversed")
    assert [(r["data"]["points"], r["data"]["balance"]) for r in reversed_] == [
        (450, 1_050),
        (1_050, 0),
    ]
    assert {r["subject"] for r in reversed_} == {str(account.account_id)}
    assert {r["data"]["purchase_id"] for r in reversed_} == {str(purchase_id)}
    changes = await published(loyalty_sessions, member_id, "loyalty.tier.changed")
    assert [(c["to_tier"], c["direction"]) for c in changes] == [
        ("vip", "up"),
        ("standard", "down"),
    ]
    async with loyalty_sessions() as session:
        purchase = await session.get(Purchase, purchase_id)
        assert purchase is not None
        assert (purchase.points_reversed, purchase.returned_fen) == (1_500, 150_000)
    assert account.account_id not in await _consistent(loyalty_sessions)


async def test_a_return_delivered_again_under_a_new_event_id_reverses_once(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 100_000)
    await handle(loyalty_sessions, sale)
    returned = return_event(member_id, purchase_id_of(sale), 30_000, 100_000)
    await handle(loyalty_sessions, returned)
    again = CloudEvent.of(returned.payload(PurchaseReturned), source="/huiyuan/orders")
    await handle(loyalty_sessions, again)
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [1_000, -300]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen) == (700, 70_000)
    assert len(await published(loyalty_sessions, member_id, "loyalty.points.reversed")) == 1


async def test_a_return_of_spent_points_stops_at_zero_and_records_the_shortfall(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 80_000)  # 800 points
    await handle(loyalty_sessions, sale)
    async with transaction(loyalty_sessions) as session:
        await redeem(session, member_id, RedemptionIn(points=700, reason="兑换耳机"))
    await handle(loyalty_sessions, return_event(member_id, purchase_id_of(sale), 80_000, 80_000))
    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.kind, last.points, last.shortfall, last.balance_after) == ("reverse", -100, 700, 0)
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 0
    assert await lots_of(loyalty_sessions, member_id) == [(800, 0)]
    assert account.account_id not in await _consistent(loyalty_sessions)


async def test_a_return_of_an_unknown_purchase_creates_nothing(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    with pytest.raises(PurchaseNotKnown):  # retried, then parked, never skipped
        await handle(loyalty_sessions, return_event(member_id, uuid.uuid4(), 10_000, 10_000))
    assert await account_of(loyalty_sessions, member_id) is None
    assert await ledger_of(loyalty_sessions, member_id) == []
    assert await published(loyalty_sessions, member_id, "loyalty.points.reversed") == []


async def test_the_balance_always_equals_the_ledger_sum(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 123_456)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, return_event(member_id, purchase_id_of(sale), 23_456, 123_456))
    await handle(loyalty_sessions, purchase_event(member_id, 7_777))
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    async with loyalty_sessions() as session:
        total = await session.scalar(
            text("SELECT sum(points) FROM loyalty.ledger_entries WHERE account_id = :a"),
            {"a": account.account_id},
        )
        lots = await session.scalar(
            text("SELECT sum(remaining) FROM loyalty.point_lots WHERE account_id = :a"),
            {"a": account.account_id},
        )
    assert account.balance == total == lots
    assert await _consistent(loyalty_sessions) == []


async def test_a_return_that_overtakes_its_purchase_is_retried_not_dropped(
    loyalty_sessions: Sessions,
) -> None:
    """After broker amnesia a return can arrive before its purchase is republished."""
    consumer = event_consumer(loyalty_sessions)
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 40_000)
    returned = return_event(member_id, purchase_id_of(sale), 40_000, 40_000)

    with pytest.raises(PurchaseNotKnown):
        await consumer.apply([_record(returned, 1)])
    await consumer.apply([_record(sale, 2)])
    await consumer.apply([_record(returned, 1)])  # the runner's retry

    assert sorted(e.kind for e in await ledger_of(loyalty_sessions, member_id)) == [
        "earn",
        "reverse",
    ]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 0
