from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from services.analytics.base import inbox, outbox
from services.analytics.facts import domain
from services.analytics.facts.errors import PurchaseNotKnown
from services.analytics.facts.models import MemberStats, NotificationDay, Purchase, PurchaseReturn
from shared.consumer import EventConsumer
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted, PurchaseReturned
from shared.inputs import MAX_RUNNING_FEN
from shared.testing.records import consumer_record
from tests.analytics import events
from tests.analytics.conftest import Feed, apply


async def _member(sessions: Sessions, member_id: uuid.UUID) -> MemberStats:
    async with sessions() as session:
        row = await session.get(MemberStats, member_id)
    assert row is not None
    return row


async def _purchases(sessions: Sessions, member_id: uuid.UUID) -> list[Purchase]:
    async with sessions() as session:
        rows = await session.scalars(select(Purchase).where(col(Purchase.member_id) == member_id))
        return sorted(rows, key=lambda p: p.purchased_at)


def _runner(sessions: Sessions, handlers: Feed) -> EventConsumer:
    """The real consumer runner (inbox dedup, parking), without the broker."""
    return EventConsumer(
        service="analytics",
        sessions=sessions,
        inbox=inbox,
        handlers=handlers,
        topics=[],
        bootstrap_servers="unused",
        max_attempts=1,
    )


async def _deliver(sessions: Sessions, handlers: Feed, *envelopes: CloudEvent) -> None:
    records = [consumer_record(e, offset=n) for n, e in enumerate(envelopes)]
    await _runner(sessions, handlers).apply(records)


async def test_registration_and_purchases_fill_the_member_row_and_the_fact_table(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    registered_at = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    early, late = registered_at + timedelta(days=1), registered_at + timedelta(days=9)
    await apply(
        analytics_sessions,
        handlers,
        events.registered(member_id, at=registered_at),
        events.purchase(member_id, 30_000, at=late),
        events.purchase(member_id, 12_000, at=early),  # arrives later, happened earlier
    )

    row = await _member(analytics_sessions, member_id)
    assert (row.registered_at, row.store_id) == (registered_at, events.STORE_ID)
    assert (row.purchase_count, row.spend_fen, row.returned_fen) == (2, 42_000, 0)
    assert (row.first_purchase_at, row.last_purchase_at) == (early, late)
    facts = await _purchases(analytics_sessions, member_id)
    assert [(p.total_fen, p.purchased_at, p.store_id) for p in facts] == [
        (12_000, early, events.STORE_ID),
        (30_000, late, events.STORE_ID),
    ]

    async with analytics_sessions() as session:
        published = (
            await session.execute(
                sa.select(outbox.table).where(outbox.table.c.key == str(member_id))
            )
        ).all()
    assert published == []  # analytics publishes nothing yet


async def test_a_purchase_before_the_registration_creates_the_member_row(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    bought_at = datetime.now(UTC) - timedelta(hours=1)
    await apply(analytics_sessions, handlers, events.purchase(member_id, 8_800, at=bought_at))

    row = await _member(analytics_sessions, member_id)
    assert (row.registered_at, row.purchase_count, row.spend_fen) == (None, 1, 8_800)

    registered_at = bought_at - timedelta(minutes=5)
    await apply(analytics_sessions, handlers, events.registered(member_id, at=registered_at))
    row = await _member(analytics_sessions, member_id)
    assert row.registered_at == registered_at
    assert (row.purchase_count, row.spend_fen, row.last_purchase_at) == (1, 8_800, bought_at)


async def test_the_same_envelope_twice_changes_nothing_the_second_time(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    bought = events.purchase(member_id, 20_000)
    back = events.returned(bought, 5_000)
    sent = events.notification(member_id, "sms")
    feed = (events.registered(member_id), bought, back, events.tier_changed(member_id), sent)
    day = domain.business_day(sent.time, "Asia/Shanghai")

    async def sms_sent() -> int:
        async with analytics_sessions() as session:
            row = await session.get(NotificationDay, (day, "sms", "sent"))
            return row.count if row else 0

    await _deliver(analytics_sessions, handlers, *feed)
    sms_before_replay = await sms_sent()
    await _deliver(analytics_sessions, handlers, *feed, sent)  # replayed, and twice in a batch

    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.spend_fen, row.returned_fen) == (1, 20_000, 5_000)
    assert row.tier_code == "vip"
    facts = await _purchases(analytics_sessions, member_id)
    assert [(p.total_fen, p.returned_fen) for p in facts] == [(20_000, 5_000)]
    assert await sms_sent() == sms_before_replay


async def test_a_purchase_id_is_counted_once_even_under_a_new_envelope(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id, purchase_id = uuid.uuid4(), uuid.uuid4()
    first = events.purchase(member_id, 6_600, purchase_id=purchase_id)
    again = CloudEvent.of(first.payload(PurchaseCompleted), source="/huiyuan/orders")
    assert again.id != first.id
    await apply(analytics_sessions, handlers, first, again)
    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.spend_fen) == (1, 6_600)


async def test_a_full_return_removes_the_purchase_from_the_count_but_keeps_the_spend(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    kept, refunded = events.purchase(member_id, 10_000), events.purchase(member_id, 4_000)
    await apply(
        analytics_sessions,
        handlers,
        events.registered(member_id),
        kept,
        refunded,
        events.returned(refunded, 1_000),
        events.returned(refunded, 3_000),
    )
    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.spend_fen, row.returned_fen) == (1, 14_000, 4_000)
    facts = {p.total_fen: p for p in await _purchases(analytics_sessions, member_id)}
    assert (facts[4_000].returned_fen, facts[4_000].fully_returned) == (4_000, True)
    assert (facts[10_000].returned_fen, facts[10_000].fully_returned) == (0, False)


async def test_a_return_for_an_unknown_purchase_is_refused(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    never_seen = events.purchase(member_id, 5_000)
    with pytest.raises(PurchaseNotKnown, match="has not recorded"):
        await apply(analytics_sessions, handlers, events.returned(never_seen, 5_000))
    async with analytics_sessions() as session:
        assert await session.get(MemberStats, member_id) is None


async def test_tier_changes_keep_the_current_tier(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    await apply(analytics_sessions, handlers, events.tier_changed(member_id, "vip"))
    assert (await _member(analytics_sessions, member_id)).tier_code == "vip"
    await apply(analytics_sessions, handlers, events.tier_changed(member_id, "star"))
    row = await _member(analytics_sessions, member_id)
    assert (row.tier_code, row.registered_at, row.purchase_count) == ("star", None, 0)


async def test_a_member_who_never_changed_tier_has_the_tier_their_account_opened_on(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    await apply(
        analytics_sessions,
        handlers,
        events.registered(member_id),
        events.account_opened(member_id, "standard"),
    )
    row = await _member(analytics_sessions, member_id)
    assert (row.tier_code, row.tier_changed_at) == ("standard", None)
    assert row.registered_at is not None


_OPENED, _VIP, _STAR = "opened", "vip", "star"


@pytest.mark.parametrize(
    "arrivals",
    list(itertools.permutations((_OPENED, _VIP, _STAR))),
    ids=lambda order: ">".join(order),
)
async def test_the_latest_tier_change_wins_whatever_the_arrival_order(
    analytics_sessions: Sessions, handlers: Feed, arrivals: tuple[str, ...]
) -> None:
    """The account opens on standard, then loyalty promotes to vip and later to star; a
    replay after broker amnesia can deliver them in any order."""
    member_id = uuid.uuid4()
    later = datetime.now(UTC)
    feed = {
        _OPENED: events.account_opened(member_id, "standard"),
        _VIP: events.tier_changed(member_id, "vip", at=later - timedelta(minutes=5)),
        _STAR: events.tier_changed(member_id, "star", at=later),
    }
    await apply(analytics_sessions, handlers, *(feed[name] for name in arrivals))
    row = await _member(analytics_sessions, member_id)
    assert (row.tier_code, row.tier_changed_at) == ("star", later)


async def test_the_upgrades_announcement_of_an_existing_account_changes_no_tier_held(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    """Loyalty's upgrade announces every existing account with its current tier, after the
    tier changes it made before; members who never changed tier get theirs from it."""
    changed, unchanged = uuid.uuid4(), uuid.uuid4()
    demoted_at = datetime.now(UTC) - timedelta(days=3)
    await apply(
        analytics_sessions,
        handlers,
        events.registered(changed),
        events.tier_changed(changed, "vip", at=demoted_at - timedelta(days=30)),
        events.tier_changed(changed, "standard", at=demoted_at),
        events.registered(unchanged),
        # the upgrade, later:
        events.account_opened(changed, "standard"),
        events.account_opened(unchanged, "standard"),
    )
    assert (await _member(analytics_sessions, changed)).tier_changed_at == demoted_at
    assert (await _member(analytics_sessions, changed)).tier_code == "standard"
    assert (await _member(analytics_sessions, unchanged)).tier_code == "standard"


async def test_a_tier_set_before_this_release_stays_until_loyalty_changes_it(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    """Rows written before analytics kept the change's time have a tier and no time: the
    upgrade's announcement leaves the tier alone, and any later change replaces it."""
    member_id = uuid.uuid4()
    async with transaction(analytics_sessions) as session:
        session.add(MemberStats(member_id=member_id, tier_code="vip"))
    await apply(analytics_sessions, handlers, events.account_opened(member_id, "standard"))
    assert (await _member(analytics_sessions, member_id)).tier_code == "vip"
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    await apply(analytics_sessions, handlers, events.tier_changed(member_id, "star", at=long_ago))
    row = await _member(analytics_sessions, member_id)
    assert (row.tier_code, row.tier_changed_at) == ("star", long_ago)


async def test_notifications_are_counted_per_day_channel_and_status(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    feed = [
        events.notification(member_id, "sms"),
        events.notification(member_id, "sms"),
        events.notification(member_id, "email", sent=False),
    ]
    day = domain.business_day(feed[0].time, "Asia/Shanghai")

    async def counts() -> dict[tuple[str, str], int]:
        async with analytics_sessions() as session:
            rows = await session.scalars(
                select(NotificationDay).where(col(NotificationDay.day) == day)
            )
            return {(r.channel, r.status): r.count for r in rows}

    before = await counts()
    await apply(analytics_sessions, handlers, *feed)
    after = await counts()
    assert after.get(("sms", "sent"), 0) - before.get(("sms", "sent"), 0) == 2
    assert after.get(("email", "failed"), 0) - before.get(("email", "failed"), 0) == 1


async def test_one_batch_counts_a_purchase_id_once_and_applies_its_returns_in_order(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id, purchase_id = uuid.uuid4(), uuid.uuid4()
    bought = events.purchase(member_id, 9_000, purchase_id=purchase_id)
    again = CloudEvent.of(bought.payload(PurchaseCompleted), source="/huiyuan/orders")
    part = events.returned(bought, 2_000)
    part_again = CloudEvent.of(part.payload(PurchaseReturned), source="/huiyuan/orders")
    rest = events.returned(bought, 8_000)  # only 7,000 is left to refund
    await _deliver(analytics_sessions, handlers, bought, again, part, part_again, rest)

    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.spend_fen, row.returned_fen) == (0, 9_000, 9_000)
    facts = await _purchases(analytics_sessions, member_id)
    assert [(p.returned_fen, p.fully_returned) for p in facts] == [(9_000, True)]
    async with analytics_sessions() as session:
        recorded = await session.scalars(
            select(PurchaseReturn.amount_fen).where(col(PurchaseReturn.purchase_id) == purchase_id)
        )
        assert sorted(recorded) == [2_000, 8_000]


async def test_a_return_after_the_full_refund_changes_no_counter(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    bought = events.purchase(member_id, 3_000)
    await apply(analytics_sessions, handlers, bought, events.returned(bought, 3_000))
    await apply(analytics_sessions, handlers, events.returned(bought, 500))
    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.spend_fen, row.returned_fen) == (0, 3_000, 3_000)


async def test_concurrent_returns_of_one_purchase_both_count(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    """The purchase row is locked while a return is applied, so neither return is lost."""
    member_id = uuid.uuid4()
    bought = events.purchase(member_id, 10_000)
    await apply(analytics_sessions, handlers, bought)
    first, second = events.returned(bought, 3_000), events.returned(bought, 4_000)

    async with transaction(analytics_sessions) as holding:
        await handlers[first.type](holding, first)
        waiting = asyncio.create_task(apply(analytics_sessions, handlers, second))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # waits for the first return's lock
    await asyncio.wait_for(waiting, timeout=10)

    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.returned_fen) == (1, 7_000)
    facts = await _purchases(analytics_sessions, member_id)
    assert [(p.returned_fen, p.fully_returned) for p in facts] == [(7_000, False)]


async def test_a_purchase_past_a_members_spend_cap_is_parked_and_the_next_one_applies(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    full, other = uuid.uuid4(), uuid.uuid4()
    async with transaction(analytics_sessions) as session:
        session.add(MemberStats(member_id=full, spend_fen=MAX_RUNNING_FEN, purchase_count=1))
    refused, fine = events.purchase(full, 1), events.purchase(other, 2_500)
    records = [consumer_record(refused, offset=0), consumer_record(fine, offset=1)]
    await _runner(analytics_sessions, handlers).apply_or_park(records)

    assert ((await _member(analytics_sessions, full)).spend_fen) == MAX_RUNNING_FEN
    assert await _purchases(analytics_sessions, full) == []
    assert (await _member(analytics_sessions, other)).spend_fen == 2_500
    async with analytics_sessions() as session:
        parked = await session.scalar(
            sa.select(inbox.dead_letters.c.error).where(inbox.dead_letters.c.event_id == refused.id)
        )
    assert parked is not None
    assert "RunningTotalFull" in parked
