from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from services.loyalty import service
from services.loyalty.invariants import Invariant, check_ledger_invariants
from services.loyalty.models import Account, LedgerEntry, Purchase, outbox
from services.loyalty.schemas import TierIn
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.testing.records import consumer_record
from tests.loyalty.conftest import (
    LADDER,
    account_of,
    event_consumer,
    funded_member,
    handle,
    ledger_of,
    published,
    purchase_event,
    return_event,
)


def _registered(member_id: uuid.UUID) -> CloudEvent:
    payload = MemberRegistered(
        member_id=member_id,
        card_number=f"8860{uuid.uuid4().int % 10**9:09d}",
        name="韩梅梅",
        phone="13800000000",
        phone_hash="0" * 64,
        registered_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def _consistent(sessions: Sessions) -> list[uuid.UUID]:
    """Members whose cached balance is not the sum of their ledger (should be none)."""
    async with sessions() as session:
        report = await check_ledger_invariants(session)
    return [violation.subject for violation in report.of(Invariant.BALANCE)]


async def test_a_registration_opens_an_account_at_the_base_tier(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    await handle(loyalty_sessions, _registered(member_id))
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.tier_code, account.balance, account.qualifying_spend_fen) == ("standard", 0, 0)
    assert await published(loyalty_sessions, member_id, "loyalty.points.earned") == []


async def test_a_purchase_earns_points_in_the_ledger_and_the_outbox(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await handle(loyalty_sessions, _registered(member_id))
    event = purchase_event(member_id, 45_678)  # ¥456.78 at the standard rate
    await handle(loyalty_sessions, event)

    [entry] = await ledger_of(loyalty_sessions, member_id)
    assert (entry.kind, entry.points, entry.balance_after) == ("earn", 456, 456)
    assert entry.event_id == event.id
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (
        456,
        45_678,
        "standard",
    )
    [earned] = await published(loyalty_sessions, member_id, "loyalty.points.earned")
    assert earned["points"] == 456
    assert earned["balance"] == 456
    assert earned["entry_id"] == str(entry.id)
    assert await published(loyalty_sessions, member_id, "loyalty.tier.changed") == []
    assert member_id not in await _consistent(loyalty_sessions)


async def test_a_purchase_before_the_registration_opens_the_account(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(member_id, 20_000))
    await handle(loyalty_sessions, _registered(member_id))
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen) == (200, 20_000)


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


def _record(event: CloudEvent, offset: int) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(event, topic="orders.events", offset=offset)


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


async def test_a_purchase_already_earned_opens_no_account_for_another_member(
    loyalty_sessions: Sessions,
) -> None:
    member_id, purchase_id = uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(member_id, 30_000, purchase_id))
    stranger = uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(stranger, 30_000, purchase_id))
    assert await account_of(loyalty_sessions, stranger) is None
    assert await published(loyalty_sessions, stranger, "loyalty.points.earned") == []
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [300]


async def test_returns_reverse_in_proportion_and_demote(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 150_000)  # ¥1,500 → vip, 1,500 points
    purchase_id = uuid.UUID(sale.data["purchase_id"])
    await handle(loyalty_sessions, sale)

    await handle(loyalty_sessions, return_event(member_id, purchase_id, 45_000, 150_000))
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
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (0, 0, "standard")
    reversed_ = await published(loyalty_sessions, member_id, "loyalty.points.reversed")
    assert [(r["points"], r["balance"]) for r in reversed_] == [(450, 1_050), (1_050, 0)]
    changes = await published(loyalty_sessions, member_id, "loyalty.tier.changed")
    assert [(c["to_tier"], c["direction"]) for c in changes] == [
        ("vip", "up"),
        ("standard", "down"),
    ]
    async with loyalty_sessions() as session:
        purchase = await session.get(Purchase, purchase_id)
        assert purchase is not None
        assert (purchase.points_reversed, purchase.returned_fen) == (1_500, 150_000)
    assert member_id not in await _consistent(loyalty_sessions)


async def test_a_return_of_spent_points_stops_at_zero_and_records_the_shortfall(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 80_000)  # 800 points
    await handle(loyalty_sessions, sale)
    async with transaction(loyalty_sessions) as session:
        from services.loyalty.schemas import RedemptionIn

        await service.redeem(session, member_id, RedemptionIn(points=700, reason="兑换耳机"))
    await handle(
        loyalty_sessions,
        return_event(member_id, uuid.UUID(sale.data["purchase_id"]), 80_000, 80_000),
    )
    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.kind, last.points, last.shortfall, last.balance_after) == ("reverse", -100, 700, 0)
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 0
    assert member_id not in await _consistent(loyalty_sessions)


async def test_a_return_of_an_unknown_purchase_creates_nothing(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    with pytest.raises(service.PurchaseNotKnown):  # retried, then parked, never skipped
        await handle(loyalty_sessions, return_event(member_id, uuid.uuid4(), 10_000, 10_000))
    assert await account_of(loyalty_sessions, member_id) is None
    assert await ledger_of(loyalty_sessions, member_id) == []
    assert await published(loyalty_sessions, member_id, "loyalty.points.reversed") == []


async def test_replacing_the_ladder_moves_accounts_whose_tier_is_gone(
    loyalty_sessions: Sessions,
) -> None:
    on_vip = await funded_member(loyalty_sessions, 300_000)
    on_standard = await funded_member(loyalty_sessions, 10_000)
    without_vip = [LADDER[0], TierIn(code="gold", name="金卡", threshold_fen=200_000), *LADDER[2:]]
    async with loyalty_sessions() as session, session.begin():
        replaced = await service.replace_ladder(session, without_vip)
        assert replaced.accounts_moved >= 1
        moved = await session.get(Account, on_vip, populate_existing=True)
        assert moved is not None
        assert moved.tier_code == "gold"
        kept = await session.get(Account, on_standard, populate_existing=True)
        assert kept is not None
        assert kept.tier_code == "standard"
        rule = await service.get_earning_rule(session)
        assert "vip" not in rule.tier_multipliers_percent
        changes = (
            await session.scalars(
                select(outbox.table.c.envelope)
                .where(
                    outbox.table.c.key == str(on_vip),
                    outbox.table.c.event_type == "loyalty.tier.changed",
                )
                .order_by(outbox.table.c.seq)
            )
        ).all()
        assert [(c["data"]["from_tier"], c["data"]["to_tier"]) for c in changes][-1] == (
            "vip",
            "gold",
        )
        await session.rollback()  # the program is shared: leave the seeds ladder in place
    account = await account_of(loyalty_sessions, on_vip)
    assert account is not None
    assert account.tier_code == "vip"


async def test_the_balance_always_equals_the_ledger_sum(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 123_456)
    await handle(loyalty_sessions, sale)
    await handle(
        loyalty_sessions,
        return_event(member_id, uuid.UUID(sale.data["purchase_id"]), 23_456, 123_456),
    )
    await handle(loyalty_sessions, purchase_event(member_id, 7_777))
    async with loyalty_sessions() as session:
        total = await session.scalar(
            select(func.sum(col(LedgerEntry.points))).where(col(LedgerEntry.member_id) == member_id)
        )
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == total
    assert await _consistent(loyalty_sessions) == []


async def test_ledger_entries_cannot_be_edited_or_deleted(loyalty_sessions: Sessions) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    for statement in (
        update(LedgerEntry).where(col(LedgerEntry.member_id) == member_id).values(points=1),
        delete(LedgerEntry).where(col(LedgerEntry.member_id) == member_id),
    ):
        with pytest.raises(DBAPIError, match="permission denied for table ledger_entries"):
            async with transaction(loyalty_sessions) as session:
                await session.execute(statement)
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [100]


async def test_a_return_that_overtakes_its_purchase_is_retried_not_dropped(
    loyalty_sessions: Sessions,
) -> None:
    """After broker amnesia a return can arrive before its purchase is republished."""
    consumer = event_consumer(loyalty_sessions)
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 40_000)
    returned = return_event(member_id, uuid.UUID(sale.data["purchase_id"]), 40_000, 40_000)

    with pytest.raises(service.PurchaseNotKnown):
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
